using RegistryController.Generation;
using RegistryController.Testing;
using RegistryController.Tmux;

namespace RegistryController.Benchmarks;

/// <summary>
/// The workspace of the benchmark: 1,000 task registries × 20 agents (one live, one zombie,
/// eighteen completed per task, so about 1,000 live sessions), a few orphan sessions, and a private
/// tmux server: the kit's <see cref="TmuxWorkspace"/>, whose disposal kills that server (and only
/// that one) and deletes its directories.
/// </summary>
public sealed class BenchWorkspace : IAsyncDisposable
{
    public const int Tasks = 1000;
    public const int Orphans = 20;
    public static readonly AgentMix Mix = new(Live: 1, Zombie: 1, Completed: 18);

    private readonly TmuxWorkspace _workspace;
    private int _disposed;

    private BenchWorkspace(TmuxWorkspace workspace)
    {
        _workspace = workspace;
        // A benchmark process that ends without GlobalCleanup (an exception, Ctrl+C) still takes its server with it.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The temp directory beside the workspace, for the counting tmux wrapper.</summary>
    public string Directory => _workspace.Outside;

    public string Root => _workspace.Root;

    public GeneratedWorkspace Generated => _workspace.Generated;

    public PrivateTmuxServer Server => _workspace.Tmux.Server;

    public TmuxOptions Tmux => new() { Socket = Server.SocketPath };

    public static async Task<BenchWorkspace> CreateAsync() => new(await TmuxWorkspace.GenerateAsync(Tasks, Mix, Orphans));

    /// <summary>
    /// Tmux options whose binary is a small shell script that counts every tmux process it starts and
    /// then execs the real tmux: the count of processes, not of method calls. Used to check a pass, not
    /// to time one (the shell adds its own start-up).
    /// </summary>
    public (TmuxOptions Options, Func<int> Processes) CountingTmux()
    {
        var counter = Path.Combine(Directory, $"tmux-calls-{Guid.NewGuid():N}");
        var script = counter + ".sh";
        File.WriteAllText(counter, string.Empty);
        File.WriteAllText(script, $"#!/bin/sh\nprintf x >> '{counter}'\nexec tmux \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return (Tmux with { Binary = script }, () => File.ReadAllText(counter).Length);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await _workspace.DisposeAsync();
    }

    private void OnProcessExit(object? sender, EventArgs e) => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
