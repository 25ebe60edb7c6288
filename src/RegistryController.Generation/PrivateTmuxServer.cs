using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Generation;

/// <summary>
/// A tmux server on its own socket (<c>-S</c>, in a directory this object owns), for the demo, the
/// benchmarks and the tests. It never talks to the user's default server: every call carries -S.
/// </summary>
public sealed class PrivateTmuxServer : IAsyncDisposable
{
    private readonly string _binary;

    public PrivateTmuxServer(string directory, string binary = "tmux")
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        SocketPath = Path.Combine(directory, "tmux.sock");
        _binary = binary;
    }

    public string SocketPath { get; }

    /// <summary>Creates sessions in one tmux invocation: a thousand sessions in a second, not a thousand process spawns.</summary>
    /// <param name="deadPanes">Sessions whose pane process exits at once and stays visible as dead (remain-on-exit).</param>
    public async Task StartAsync(IEnumerable<string> liveSessions, IEnumerable<string>? deadPanes = null, CancellationToken cancellationToken = default)
    {
        var script = Path.Combine(Path.GetDirectoryName(SocketPath)!, $"start-{Guid.NewGuid():N}.tmux");
        var lines = new List<string> { "set-option -g remain-on-exit on", "set-option -g exit-empty off" };
        // `cat` on the pane's terminal waits forever without using CPU.
        lines.AddRange(liveSessions.Select(s => $"new-session -d -s {Quote(s)} cat"));
        lines.AddRange((deadPanes ?? []).Select(s => $"new-session -d -s {Quote(s)} true"));
        await File.WriteAllLinesAsync(script, lines, cancellationToken);
        try
        {
            await RunAsync(["start-server", ";", "source-file", script], cancellationToken);
        }
        finally
        {
            File.Delete(script);
        }

        await WaitForDeadPanesAsync([.. deadPanes ?? []], cancellationToken);
    }

    /// <summary>
    /// A dead-pane session's command exits a moment after the session exists, and until tmux has
    /// reaped it the pane reads as alive: return only once every one of them reads as dead.
    /// </summary>
    private async Task WaitForDeadPanesAsync(IReadOnlyCollection<string> deadPanes, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (deadPanes.Count > 0)
        {
            var listing = await RunAsync(["list-panes", "-a", "-F", "#{pane_dead} #{session_name}"], cancellationToken);
            var dead = listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => l.StartsWith("1 ", StringComparison.Ordinal))
                .Select(l => l[2..])
                .ToHashSet(StringComparer.Ordinal);
            if (deadPanes.All(dead.Contains))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"tmux still shows a live pane in {string.Join(", ", deadPanes.Where(s => !dead.Contains(s)))}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    public Task NewSessionAsync(string name, string command = "cat", CancellationToken cancellationToken = default) =>
        RunAsync(["new-session", "-d", "-s", name, command], cancellationToken);

    public Task KillSessionAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(["kill-session", "-t", "=" + name], cancellationToken);

    public async Task<IReadOnlyList<string>> ListSessionsAsync(CancellationToken cancellationToken = default)
    {
        var result = await Cli.Wrap(_binary).WithArguments(["-S", SocketPath, "list-sessions", "-F", "#{session_name}"])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        return result.ExitCode == 0 ? result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];
    }

    public async Task KillServerAsync()
    {
        await Cli.Wrap(_binary).WithArguments(["-S", SocketPath, "kill-server"])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
    }

    public async Task<BufferedCommandResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var result = await Cli.Wrap(_binary).WithArguments(["-S", SocketPath, .. arguments])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
        return result.ExitCode == 0
            ? result
            : throw new InvalidOperationException($"tmux {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.StandardError.Trim()}");
    }

    public async ValueTask DisposeAsync() => await KillServerAsync();

    private static string Quote(string name) => "'" + name.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
