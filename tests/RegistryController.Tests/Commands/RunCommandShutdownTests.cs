using System.Diagnostics;
using System.Text;
using CliWrap;
using Mono.Unix.Native;

namespace RegistryController.Tests.Commands;

/// <summary>The real <c>registryctl run</c> binary, stopped with SIGTERM while a reconcile waits for a lock.</summary>
public class RunCommandShutdownTests
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The orchestrator's careful writer spawns a zombie into the registry and keeps holding LOCK_EX.
    /// It watches its file with inotify and says "contended" once the controller has opened it three
    /// more times: the controller's reconcile is then inside its lock-retry loop, waiting.
    /// </summary>
    private const string ContendedWriter = """
        import ctypes, fcntl, json, os, sys, time
        path, agent, copy = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
        libc = ctypes.CDLL(None, use_errno=True)
        IN_OPEN = 0x20
        with open(path, "r+") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            data = json.load(f)
            data["agents"].append(agent)
            data["total_spawned"] += 1
            data["active_count"] += 1
            text = json.dumps(data, indent=2)
            watch = libc.inotify_init()
            if watch < 0 or libc.inotify_add_watch(watch, path.encode(), IN_OPEN) < 0:
                raise OSError(ctypes.get_errno(), "inotify")
            f.seek(0)
            f.write(text)
            f.truncate()
            f.flush()
            with open(copy, "w") as c:
                c.write(text)
            print("written", flush=True)
            opens = 0
            while opens < 3:
                opens += len(os.read(watch, 4096)) // 16
            print("contended", flush=True)
            time.sleep(600)
        """;

    private const string TryLockAll = """
        import fcntl, sys
        for path in sys.argv[1:]:
            with open(path, "r+") as f:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    print("free")
                except BlockingIOError:
                    print("locked " + path)
        """;

    [Fact]
    public async Task Sigterm_during_a_reconcile_waiting_for_a_lock_exits_0_with_no_partial_write_and_no_lock_left()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 2);
        var held = workspace.TaskRegistry(0);
        var expectedCopy = Path.Combine(Path.GetDirectoryName(workspace.Root)!, "held-as-written.json");
        var listen = $"127.0.0.1:{FreePort.Next()}";
        var log = new StringBuilder();
        using var forceful = new CancellationTokenSource();
        var controller = Cli.Wrap(Path.Combine(AppContext.BaseDirectory, "registryctl"))
            .WithArguments([
                "run", "-w", workspace.Root, "-S", workspace.Tmux.SocketPath, "--listen", listen,
                "--set", $"Controller:ShutdownTimeout={ShutdownTimeout.TotalSeconds}s", "--set", "Lock:Timeout=60s", "--set", "Controller:ScanInterval=60s",
            ])
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(log))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(forceful.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{listen}"), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Until(async () => await ReadyAsync(http) || controller.Task.IsCompleted, TimeSpan.FromSeconds(30), "the controller is ready");
        Assert.False(controller.Task.IsCompleted, $"registryctl run exited early: {log}");

        var contended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopWriter = new CancellationTokenSource();
        var writer = Cli.Wrap("python3")
            .WithArguments(["-c", ContendedWriter, held, Agents.Zombie("held_zombie-1").ToJsonString(), expectedCopy])
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line =>
            {
                if (line == "contended")
                {
                    contended.TrySetResult();
                }
            }))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(stopWriter.Token);
        try
        {
            await contended.Task.WaitAsync(TimeSpan.FromSeconds(20));

            var signalled = Stopwatch.StartNew();
            Assert.Equal(0, Syscall.kill(controller.ProcessId, Signum.SIGTERM));
            var result = await controller.Task.WaitAsync(ShutdownTimeout + TimeSpan.FromSeconds(2));

            Assert.True(result.ExitCode == 0, $"exit {result.ExitCode} after {signalled.ElapsedMilliseconds} ms: {log}");
        }
        finally
        {
            await forceful.CancelAsync();
            await stopWriter.CancelAsync();
            await Task.WhenAll(controller.Task, writer.Task).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        var registries = new[] { workspace.GlobalPath, workspace.TaskRegistry(0), workspace.TaskRegistry(1) };
        foreach (var registry in registries)
        {
            Assert.True(await Python.ParsesAsync(registry), $"{registry} does not parse");
        }

        var (now, asWritten) = (await File.ReadAllBytesAsync(held), await File.ReadAllBytesAsync(expectedCopy));
        var untouched = now.AsSpan().SequenceEqual(asWritten);
        Assert.True(untouched || RegistryJson.IsTerminatedAsZombie(held, "held_zombie-1"), "the held registry is neither as Python wrote it nor fully repaired");
        Assert.Equal(["free", "free", "free"], (await Python.RunAsync(TryLockAll, registries)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<bool> ReadyAsync(HttpClient http)
    {
        try
        {
            return (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
