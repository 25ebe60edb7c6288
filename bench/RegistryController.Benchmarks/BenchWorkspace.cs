using System.Globalization;
using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Tmux;

namespace RegistryController.Benchmarks;

/// <summary>
/// The workspace of the benchmark: 1,000 task registries × 20 agents (one live, one zombie,
/// eighteen completed per task, so about 1,000 live sessions), a few orphan sessions, and a private
/// tmux server on its own <c>-S</c> socket in a temp directory that this object owns. Disposing it
/// kills that server (and only that one) and deletes the directory.
/// </summary>
public sealed class BenchWorkspace : IAsyncDisposable
{
    public const int Tasks = 1000;
    public const int Orphans = 20;
    public static readonly AgentMix Mix = new(Live: 1, Zombie: 1, Completed: 18);

    private int _disposed;

    private BenchWorkspace(string directory, GeneratedWorkspace generated, PrivateTmuxServer server)
    {
        Directory = directory;
        Generated = generated;
        Server = server;
        // A benchmark process that ends without GlobalCleanup (an exception, Ctrl+C) still takes its server with it.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The temp directory holding the workspace, its ground truth and the tmux socket.</summary>
    public string Directory { get; }

    public string Root => Generated.Root;

    public GeneratedWorkspace Generated { get; }

    public PrivateTmuxServer Server { get; }

    public TmuxOptions Tmux => new() { Socket = Server.SocketPath };

    public static async Task<BenchWorkspace> CreateAsync(CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"registryctl-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"));
        var server = new PrivateTmuxServer(Path.Combine(directory, "tmux"));
        try
        {
            var generated = WorkspaceGenerator.Generate(Path.Combine(directory, "workspace"), Tasks, Mix, Orphans, ClockReading.From(TimeProvider.System));
            await server.StartAsync(WorkspaceGenerator.LiveAndOrphanSessions(generated.Truth), generated.Truth.DeadPaneSessions, cancellationToken);
            return new BenchWorkspace(directory, generated, server);
        }
        catch
        {
            await server.KillServerAsync();
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

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
        await Server.KillServerAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void OnProcessExit(object? sender, EventArgs e) => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
