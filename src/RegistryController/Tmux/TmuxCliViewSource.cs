using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using RegistryController.Telemetry;

namespace RegistryController.Tmux;

/// <summary>
/// Looks at tmux with one <c>list-panes -a</c> call per pass: session names, creation times and pane
/// liveness come back together however many registries there are.
/// </summary>
public sealed class TmuxCliViewSource : ITmuxViewSource
{
    // The session name goes last: it is the only field that may contain spaces.
    internal const string PaneFormat = "#{pane_dead} #{pane_pid} #{session_created} #{session_name}";

    private readonly TmuxOptions _options;
    private readonly TmuxServerSelector _selector;

    // The last listing and its view. A server's panes rarely change between two looks (a scan every 10 s of a quiet
    // server of 1,000 sessions): the same output is the same view, not parsed again (0.7 MB of garbage each time).
    private Listing? _last;

    public TmuxCliViewSource(TmuxOptions options, TmuxServerSelector? selector = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _selector = selector ?? new TmuxServerSelector(options);
    }

    public async Task<TmuxView> GetViewAsync(CancellationToken cancellationToken)
    {
        using var activity = RegistryTelemetry.StartRoot(RegistryTelemetry.Spans.TmuxView, ActivityKind.Client);
        var view = await LookAsync(cancellationToken);
        activity?.SetTag(RegistryTelemetry.Attributes.TmuxStatus, view.Status.ToString());
        activity?.SetTag(RegistryTelemetry.Attributes.TmuxSessions, view.Sessions.Count);
        activity?.SetTag(RegistryTelemetry.Attributes.TmuxServer, view.Server);
        var status = new KeyValuePair<string, object?>(RegistryTelemetry.Attributes.TmuxStatus, view.Status.ToString());
        RegistryTelemetry.TmuxViewDuration.Record(view.Duration.TotalSeconds, status);
        if (view.Status == TmuxViewStatus.Broken)
        {
            activity?.SetStatus(ActivityStatusCode.Error, view.Detail);
            RegistryTelemetry.TmuxViewFailures.Add(1);
        }

        return activity is null ? view : view with { Trace = activity.Context };
    }

    private async Task<TmuxView> LookAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var server = _selector.Describe();

        // tmux silently falls back to /tmp when TMUX_TMPDIR does not exist: it would then report on
        // some other server, or on none, and either answer would be a lie about the one we were asked for.
        if (_selector.TmpDir is { } tmpDir && !Directory.Exists(tmpDir))
        {
            return TmuxView.Broken(server, $"the tmux socket directory TMUX_TMPDIR={tmpDir} does not exist", stopwatch.Elapsed);
        }

        var command = Cli.Wrap(_options.Binary)
            .WithArguments([.. _selector.GlobalArguments(), "list-panes", "-a", "-F", PaneFormat])
            .WithEnvironmentVariables(env =>
            {
                if (_options.TmpDir is { } dir)
                {
                    env.Set("TMUX_TMPDIR", dir);
                }
            })
            .WithValidation(CommandResultValidation.None);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        BufferedCommandResult result;
        try
        {
            result = await command.ExecuteBufferedAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TmuxView.Broken(server, $"tmux did not answer within {_options.Timeout.TotalSeconds:0.###} s", stopwatch.Elapsed);
        }
        catch (Win32Exception ex)
        {
            return TmuxView.Broken(server, $"the tmux binary '{_options.Binary}' could not be started: {ex.Message}", stopwatch.Elapsed);
        }

        if (result.ExitCode != 0)
        {
            return Interpret(result.ExitCode, result.StandardError, server, stopwatch.Elapsed);
        }

        if (_last is { } last && last.View.Server == server && string.Equals(last.Output, result.StandardOutput, StringComparison.Ordinal))
        {
            return last.View with { Duration = stopwatch.Elapsed };
        }

        var view = ParseListing(result.StandardOutput, server, stopwatch.Elapsed);
        _last = view.Status == TmuxViewStatus.Listed ? new Listing(result.StandardOutput, view) : null;
        return view;
    }

    private sealed record Listing(string Output, TmuxView View);

    internal static TmuxView ParseListing(string output, string server, TimeSpan duration)
    {
        // A server always has a pane to list, and one with no session at all answers "no current
        // target" (exit 1, see Interpret). Nothing at all with exit 0 is not tmux speaking (a wrapper
        // that swallowed an error, say): believing it would make every agent a zombie.
        if (string.IsNullOrWhiteSpace(output))
        {
            return TmuxView.Broken(server, "tmux exited 0 but listed no pane at all (a running server lists its panes, or says 'no current target' when it has none)", duration);
        }

        var sessions = new Dictionary<string, (DateTimeOffset? Created, int Panes, int Dead)>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in output.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split(' ', 4);
            if (parts.Length != 4
                || parts[0] is not ("0" or "1")
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var created)
                || parts[3].Length == 0)
            {
                var shown = line.Length > 120 ? line[..120] + "…" : line;
                return TmuxView.Broken(server, $"tmux printed something other than a pane listing (line {lineNumber}: \"{shown}\")", duration);
            }

            var name = parts[3];
            var dead = parts[0] == "1" ? 1 : 0;
            sessions[name] = sessions.TryGetValue(name, out var known)
                ? (known.Created, known.Panes + 1, known.Dead + dead)
                : (DateTimeOffset.FromUnixTimeSeconds(created), 1, dead);
        }

        return TmuxView.Listed(sessions.Select(s => new TmuxSession(s.Key, s.Value.Created, s.Value.Panes, s.Value.Dead)), server, duration);
    }

    /// <summary>
    /// A failed call is "no server" only when tmux says so about a socket whose directory exists;
    /// everything else (a missing directory, permissions, unsafe permissions) is a broken view.
    /// </summary>
    internal static TmuxView Interpret(int exitCode, string stderr, string server, TimeSpan duration)
    {
        var message = stderr.Trim();
        const string NoServerPrefix = "no server running on ";
        const string ErrorConnecting = "error connecting to ";

        if (message.StartsWith(NoServerPrefix, StringComparison.Ordinal))
        {
            var socket = message[NoServerPrefix.Length..];
            return TmuxView.NoServer(server, $"tmux: no server running on {socket} (the socket file exists but nothing listens on it)", duration);
        }

        // A running server with no session at all (exit-empty off): `list-panes -a` still looks for a
        // current target first and finds none. The server answered: its listing is empty.
        if (message == "no current target")
        {
            return TmuxView.Listed([], server, duration);
        }

        if (message.StartsWith(ErrorConnecting, StringComparison.Ordinal) && message.EndsWith(" (No such file or directory)", StringComparison.Ordinal))
        {
            var socket = message[ErrorConnecting.Length..^" (No such file or directory)".Length];
            var directory = Path.GetDirectoryName(socket);
            return directory is not null && Directory.Exists(directory)
                ? TmuxView.NoServer(server, $"no socket file at {socket}, and its directory {directory} exists: no server has run there since it was cleaned", duration)
                : TmuxView.Broken(server, $"the socket directory {directory} does not exist: check --tmux-socket, --tmux-socket-name and TMUX_TMPDIR", duration);
        }

        var shown = message.Length == 0 ? "(no message)" : message;
        return TmuxView.Broken(server, $"tmux exited with code {exitCode}: {shown}", duration);
    }
}
