using System.Diagnostics;
using System.IO.Pipelines;
using CliWrap;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using RegistryController.Telemetry;
using RegistryController.Tmux;

namespace RegistryController.Sources;

/// <summary>
/// tmux's push signal: a control-mode client (<c>tmux -C attach</c>) prints <c>%sessions-changed</c>
/// whenever a session is created or destroyed, so a session's death is noticed at once, not at
/// the next scan. The client attaches read-only, ignoring size and output, so it changes nothing
/// for the agents; when the server goes away it reconnects with back-off.
/// </summary>
public sealed partial class TmuxControlModeSource(TmuxOptions options, TmuxViewCache views, Action onSessionsChanged, ILogger logger)
{
    private readonly TmuxServerSelector _selector = new(options);

    /// <summary>Whether a control client is attached right now.</summary>
    public bool Connected { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reconnect = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
            })
            .Build();

        while (!cancellationToken.IsCancellationRequested)
        {
            await reconnect.ExecuteAsync(AttachOnceAsync, cancellationToken);
        }
    }

    private async ValueTask AttachOnceAsync(CancellationToken cancellationToken)
    {
        // Attach to any existing session: control mode needs one, and creating our own would put a
        // session into the user's server. With no sessions there is nothing to watch but the scan.
        var view = (views.Latest?.View is { Status: TmuxViewStatus.Listed } latest && latest.Sessions.Count > 0)
            ? latest
            : (await views.RefreshAsync(cancellationToken)).View;
        var target = view.Sessions.Keys.Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException("no tmux session to attach a control client to");

        // stdin must stay open or the control client exits; this pipe is never completed.
        var stdin = new Pipe();
        Connected = true;
        LogAttached(target);
        try
        {
            var result = await Cli.Wrap(options.Binary)
                .WithArguments([.. _selector.GlobalArguments(), "-C", "attach-session", "-t", "=" + target, "-f", "ignore-size,no-output,read-only"])
                .WithEnvironmentVariables(env =>
                {
                    if (options.TmpDir is { } dir)
                    {
                        env.Set("TMUX_TMPDIR", dir);
                    }
                })
                .WithStandardInputPipe(PipeSource.FromStream(stdin.Reader.AsStream()))
                .WithStandardOutputPipe(PipeTarget.ToDelegate(OnLine))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(cancellationToken);
            LogDetached(target, result.ExitCode);
        }
        finally
        {
            Connected = false;
            await stdin.Writer.CompleteAsync();
        }

        // The attached session died or the server went away: notice it, then reconnect (with back-off).
        onSessionsChanged();
        throw new InvalidOperationException("tmux control client exited");
    }

    private void OnLine(string line)
    {
        LogNotification(line);
        if (line.StartsWith("%sessions-changed", StringComparison.Ordinal)
            || line.StartsWith("%session-changed", StringComparison.Ordinal)
            || line.StartsWith("%exit", StringComparison.Ordinal))
        {
            // The notification's span is current while the scan starts, so the look it causes links to it.
            using var activity = RegistryTelemetry.StartRoot(RegistryTelemetry.Spans.TmuxNotification, ActivityKind.Consumer);
            activity?.SetTag("tmux.notification", line.Split(' ')[0]);
            onSessionsChanged();
        }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "tmux control client: {Line}")]
    private partial void LogNotification(string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "tmux control client attached to {Session}")]
    private partial void LogAttached(string session);

    [LoggerMessage(Level = LogLevel.Debug, Message = "tmux control client left {Session} (exit {ExitCode})")]
    private partial void LogDetached(string session, int exitCode);
}
