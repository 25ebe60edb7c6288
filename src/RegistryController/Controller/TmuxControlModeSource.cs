using System.Diagnostics;
using System.IO.Pipelines;
using CliWrap;
using Microsoft.Extensions.Logging;
using Mono.Unix.Native;
using RegistryController.Telemetry;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// tmux's push signal: a control-mode client (<c>tmux -C attach</c>) prints <c>%sessions-changed</c>
/// whenever a session is created or destroyed, so a session's death is noticed at once, not at
/// the next scan. The client attaches read-only, ignoring size and output, so it changes nothing
/// for the agents. It attaches to the longest-lived session (agents come and go; an old session is
/// likely to stay), and when it is detached (its session died, the server went away) it asks for a
/// rescan and attaches again at once; only consecutive failures to attach back off.
/// </summary>
public sealed partial class TmuxControlModeSource(TmuxOptions options, TmuxViewCache views, Action onSessionsChanged, ILogger logger)
{
    /// <summary>The wait after the first failure to attach in a row; it doubles with each further one.</summary>
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between two attempts (a server that stays away).</summary>
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    // While there is nothing to attach to, the socket file is looked at this often: a restarted
    // server makes a new one, and is then attached at once instead of after the back-off.
    private static readonly TimeSpan SocketPoll = TimeSpan.FromMilliseconds(50);

    // How long a control client has to end by itself once its input is closed, before it is killed.
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    private readonly TmuxServerSelector _selector = new(options);
    private volatile string? _attachedSession;
    private int _consecutiveFailures;

    /// <summary>Whether a control client is attached right now.</summary>
    public bool Connected => _attachedSession is not null;

    /// <summary>The session the control client is attached to, or null while it is not attached.</summary>
    public string? AttachedSession => _attachedSession;

    /// <summary>Failures to attach since the last successful attach (what the back-off grows with).</summary>
    internal int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    /// <summary>
    /// Attaches, and attaches again, until cancelled (then throws <see cref="OperationCanceledException"/>).
    /// </summary>
    /// <remarks>
    /// A small loop rather than Polly's retry: the back-off must count failures to attach in a row
    /// and restart from nothing after every successful attach (a Polly retry's attempt number only
    /// grows within one execution, which is how the gaps once grew to 5 s), and a wait must end early
    /// when a restarted server or a look that finds sessions makes an attach likely to work, which a
    /// retry strategy's fixed delay cannot.
    /// </remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attempt = await AttachGuardedAsync(cancellationToken);
            if (attempt.Attached)
            {
                // The client was attached and has left (its session died, the server went away):
                // that is no failure, so the next attach is at once (the count was reset on attach).
                continue;
            }

            var failures = Interlocked.Increment(ref _consecutiveFailures);
            var delay = RetryDelay(failures, Random.Shared.NextDouble());
            LogAttachFailed(attempt.Detail, failures, delay.TotalMilliseconds);
            await WaitToRetryAsync(delay, wakeEarly: attempt.NothingToAttach, cancellationToken);
        }
    }

    /// <summary>
    /// The wait after <paramref name="failures"/> failures to attach in a row: 50 ms doubling up to
    /// 5 s, and a random half of it (<paramref name="jitter"/> in [0, 1)) so that controllers sharing
    /// a server do not retry in step.
    /// </summary>
    internal static TimeSpan RetryDelay(int failures, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        var full = Math.Min(MaxRetryDelay.TotalMilliseconds, FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30)));
        return TimeSpan.FromMilliseconds(full * (0.5 + (0.5 * Math.Clamp(jitter, 0, 1))));
    }

    /// <summary>The session a control client should attach to: the oldest (then the first by name), or null if there is none.</summary>
    internal static string? ChooseTarget(TmuxView view) =>
        view.Sessions.Values
            .OrderBy(s => s.Created ?? DateTimeOffset.MaxValue)
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .FirstOrDefault()?.Name;

    /// <summary>
    /// One attach, whatever goes wrong in it: this loop is the push source, and a fault that escaped it would end the
    /// push silently for the rest of the run (the manager awaits it beside loops that never end), leaving deaths to
    /// the scan. A fault counts as a failure to attach and is retried with the back-off.
    /// </summary>
    private async Task<AttachAttempt> AttachGuardedAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await AttachOnceAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // See the summary: the loop must outlive any one attach.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAttachFault(ex);
            return new AttachAttempt(false, false, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task<AttachAttempt> AttachOnceAsync(CancellationToken cancellationToken)
    {
        // Control mode needs a session, and creating our own would put one into the user's server:
        // attach to an existing one, chosen on a fresh look (the last look may name the session that
        // just died). With no sessions there is nothing to watch but the scan.
        var view = (await views.RefreshAsync(cancellationToken)).View;
        if (ChooseTarget(view) is not { } target)
        {
            return new AttachAttempt(false, true, $"no tmux session to attach to ({view.Status}: {view.Detail})");
        }

        // stdin must stay open or the control client exits; this pipe is never completed. -E: the
        // session's environment is not updated from ours (update-environment), so attaching changes nothing.
        var stdin = new Pipe();
        var said = new ControlOutput();
        int exitCode;

        // Stopping closes the client's input, and a control client ends at the end of its input. It is killed only if
        // it is still there after StopGrace: CliWrap kills a process tree, which reads every process of the machine in
        // /proc to find the client's children (it has none).
        using var forceful = new CancellationTokenSource();
        using var stopping = cancellationToken.Register(() =>
        {
            stdin.Writer.Complete();
            forceful.CancelAfter(StopGrace);
        });
        try
        {
            var result = await Cli.Wrap(options.Binary)
                .WithArguments([.. _selector.GlobalArguments(), "-C", "attach-session", "-E", "-t", "=" + target, "-f", "ignore-size,no-output,read-only"])
                .WithEnvironmentVariables(env =>
                {
                    if (options.TmpDir is { } dir)
                    {
                        env.Set("TMUX_TMPDIR", dir);
                    }
                })
                .WithStandardInputPipe(PipeSource.FromStream(stdin.Reader.AsStream()))
                .WithStandardOutputPipe(PipeTarget.ToDelegate(line => OnLine(line, said)))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(line => said.Error ??= line))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(forceful.Token);
            exitCode = result.ExitCode;
        }
        finally
        {
            _attachedSession = null;
            await stdin.Writer.CompleteAsync();
        }

        // Ended because we stopped it, not detached.
        cancellationToken.ThrowIfCancellationRequested();

        // Detached (the session died, the server went away), or the session vanished between the
        // look and the attach: either way a session is gone, so look again at once.
        onSessionsChanged();
        if (said.Attached)
        {
            LogDetached(target, exitCode);
            return new AttachAttempt(true, false, "detached");
        }

        return new AttachAttempt(false, false, $"attaching to {target} failed (exit {exitCode}): {said.Error ?? "no message"}");
    }

    private void OnLine(string line, ControlOutput said)
    {
        LogNotification(line);
        if (line.StartsWith("%session-changed", StringComparison.Ordinal))
        {
            // "%session-changed $ID NAME": the first one says the attach worked; a later one that the
            // client was moved to another session (a server with detach-on-destroy off).
            var parts = line.Split(' ', 3);
            if (parts.Length == 3)
            {
                said.Attached = true;
                _attachedSession = parts[2];
                Volatile.Write(ref _consecutiveFailures, 0);
                LogAttached(parts[2]);
            }
        }
        else if (!line.StartsWith('%'))
        {
            // Inside %begin/%error: why the attach command failed ("can't find session: …").
            said.Error ??= line;
        }

        if (line.StartsWith("%sessions-changed", StringComparison.Ordinal)
            || line.StartsWith("%session-changed", StringComparison.Ordinal)
            || line.StartsWith("%exit", StringComparison.Ordinal))
        {
            // %session-changed also marks a (re)attach: a session that died while the client was
            // detached was signalled by nobody, so that too is a reason to look.
            // The notification's span is current while the scan starts, so the look it causes links to it.
            using var activity = RegistryTelemetry.StartRoot(RegistryTelemetry.Spans.TmuxNotification, ActivityKind.Consumer);
            activity?.SetTag("tmux.notification", line.Split(' ')[0]);
            onSessionsChanged();
        }
    }

    /// <summary>
    /// Waits <paramref name="delay"/>; when there was nothing to attach to, the wait ends early once a
    /// look finds a session or the server's socket file is replaced (a server started again).
    /// </summary>
    private async Task WaitToRetryAsync(TimeSpan delay, bool wakeEarly, CancellationToken cancellationToken)
    {
        if (!wakeEarly)
        {
            await Task.Delay(delay, cancellationToken);
            return;
        }

        var sessionsSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRefreshed(TmuxView? previous, TmuxView current)
        {
            if (current.Sessions.Count > 0)
            {
                sessionsSeen.TrySetResult();
            }
        }

        var socket = SocketIdentity();
        var clock = Stopwatch.StartNew();
        views.Refreshed += OnRefreshed;
        try
        {
            while (clock.Elapsed < delay)
            {
                var step = delay - clock.Elapsed < SocketPoll ? delay - clock.Elapsed : SocketPoll;
                await Task.WhenAny(sessionsSeen.Task, Task.Delay(step, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                if (sessionsSeen.Task.IsCompleted || SocketIdentity() != socket)
                {
                    return;
                }
            }
        }
        finally
        {
            views.Refreshed -= OnRefreshed;
        }
    }

    /// <summary>The socket file's inode and change time, or null without one: a new server makes a new file.</summary>
    private (ulong Inode, long Changed, long ChangedNs)? SocketIdentity() =>
        Syscall.stat(_selector.ExpectedSocketPath(), out var stat) == 0 ? (stat.st_ino, stat.st_ctime, stat.st_ctime_nsec) : null;

    [LoggerMessage(Level = LogLevel.Trace, Message = "tmux control client: {Line}")]
    private partial void LogNotification(string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "tmux control client attached to {Session}")]
    private partial void LogAttached(string session);

    [LoggerMessage(Level = LogLevel.Debug, Message = "tmux control client left {Session} (exit {ExitCode}); attaching again")]
    private partial void LogDetached(string session, int exitCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "tmux control client not attached: {Detail} ({Failures} in a row; next try within {DelayMs:0} ms)")]
    private partial void LogAttachFailed(string detail, int failures, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "tmux control client failed unexpectedly; attaching again after the back-off")]
    private partial void LogAttachFault(Exception exception);

    /// <summary>What one attach came to. <see cref="NothingToAttach"/>: no client was started (no server, no session).</summary>
    private sealed record AttachAttempt(bool Attached, bool NothingToAttach, string Detail);

    /// <summary>What one control client has said so far (written by its output reader only).</summary>
    private sealed class ControlOutput
    {
        public volatile bool Attached;
        public string? Error;
    }
}
