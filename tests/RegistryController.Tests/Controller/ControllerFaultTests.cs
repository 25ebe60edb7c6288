using System.Diagnostics;
using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.Logging;
using RegistryController.Generation;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Telemetry;
using RegistryController.Tests.Tmux;
using Xunit.Abstractions;

namespace RegistryController.Tests.Controller;

/// <summary>
/// Faults while <c>registryctl run</c>'s controller is running (in-process, real tmux on a private
/// socket): whatever breaks, no agent whose session lives is terminated, the controller keeps
/// running (counters move, /healthz's wedge check stays clear) and it repairs what it can.
/// See docs/reliability-faults.md.
/// </summary>
public class ControllerFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_tmux_that_fails_hangs_or_lies_terminates_no_live_agent_and_the_controller_repairs_once_tmux_is_back()
    {
        // 4 active agents, 2 of which die during the faults: under the mass guard's minimum of 5, so
        // nothing but the judgement of the view stands between a lie and a termination.
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0, Completed: 1));
        var realTmux = Which("tmux");
        // The fake execs the real tmux unless a mode file says otherwise; it logs every call with its mode.
        using var fake = new FakeTmux(file => $$"""
            mode=$(cat '{{file("mode")}}' 2>/dev/null)
            echo "${mode:-real} $*" >> '{{file("calls")}}'
            case "$mode" in
              fail) echo 'tmux: lost server (protocol version mismatch?) \001\377' >&2; exit 1 ;;
              hang) exec sleep 30 ;;
              garbage) printf 'Segmentation fault\n0 12 soon agent_x\n\377\376 garbage\n'; exit 0 ;;
              empty) exit 0 ;;
            esac
            exec '{{realTmux}}' "$@"
            """);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options with { Binary = fake.Binary, Timeout = TimeSpan.FromMilliseconds(500) });
        var before = Statuses(workspace);
        var live = workspace.Truth.LiveSessions.ToList();
        var killed = new List<string>();
        var reconciles = controller.Status.Reconciles;

        foreach (var mode in new[] { "fail", "hang", "garbage", "empty" })
        {
            await File.WriteAllTextAsync(fake.PathOf("mode"), mode);
            if (mode is "fail" or "hang")
            {
                // A real death during the outage: it must wait for a view that can be trusted.
                var session = live[killed.Count];
                await workspace.Tmux.Server.KillSessionAsync(session);
                killed.Add(session);
            }

            var calls = Calls(fake, mode);
            TouchAll(workspace);

            await Eventually.Until(() => Calls(fake, mode) >= calls + 3 && controller.Status.Reconciles > reconciles, Deadline, $"three looks at tmux and a reconcile in mode {mode}");

            var changed = Statuses(workspace).Where(s => before[s.Key] != s.Value).Select(s => $"{s.Key}: {before[s.Key]} -> {s.Value}").ToList();
            Assert.True(changed.Count == 0, $"with tmux in mode '{mode}' the controller changed {string.Join("; ", changed)}");
            Assert.Null(controller.Wedged);
            Assert.True(controller.Running, $"the controller stopped in mode {mode}");
            reconciles = controller.Status.Reconciles;
        }

        File.Delete(fake.PathOf("mode"));
        var agents = killed.Select(s => AgentOf(workspace, s)).ToList();
        await Eventually.Until(() => agents.All(a => Statuses(workspace)[a] == "terminated"), Deadline, "the agents whose sessions died are terminated");

        Assert.Equal(before.Where(s => !agents.Contains(s.Key)), Statuses(workspace).Where(s => !agents.Contains(s.Key)));
        Assert.True(controller.Status.Count(ReconcileOutcome.Held) > 0, "no reconcile was held back by a broken view");
        Assert.Null(controller.Wedged);
        Assert.True(controller.Running);
    }

    [Fact]
    public async Task A_registry_that_cannot_be_written_is_retried_with_a_clear_error_while_the_others_are_repaired()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, new AgentMix(Live: 2, Zombie: 0));
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options);
        var locked = workspace.TaskIds[1];
        var lockedPath = workspace.TaskPath(locked);
        var (free, stuck) = (SessionIn(workspace, workspace.TaskIds[0]), SessionIn(workspace, locked));
        // Root ignores file modes; an immutable file is one root cannot write either.
        await ChattrAsync("+i", lockedPath);
        try
        {
            var lockedBytes = await File.ReadAllBytesAsync(lockedPath);
            var errors = controller.Status.Count(ReconcileOutcome.Error);
            await workspace.Tmux.Server.KillSessionAsync(free);
            await workspace.Tmux.Server.KillSessionAsync(stuck);

            await Eventually.Until(() => Statuses(workspace)[AgentOf(workspace, free)] == "terminated" && controller.Status.Count(ReconcileOutcome.Error) >= errors + 3, Deadline, "the writable zombie is terminated and the immutable registry has failed three times");

            Assert.Equal(lockedBytes, await File.ReadAllBytesAsync(lockedPath));
            Assert.Contains(controller.Logs.AtLeast(LogLevel.Warning), l => l.Contains(lockedPath, StringComparison.Ordinal) && l.Contains("permission denied (read-write open)", StringComparison.Ordinal));
            Assert.Null(controller.Wedged);
            Assert.True(controller.Running);
        }
        finally
        {
            await ChattrAsync("-i", lockedPath);
        }

        await Eventually.Until(() => Statuses(workspace)[AgentOf(workspace, stuck)] == "terminated", Deadline, "the registry is repaired once it can be written");
    }

    [Fact]
    public async Task A_controller_started_beside_bad_registries_is_ready_leaves_them_unwritten_and_repairs_the_rest()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 4, new AgentMix(Live: 2, Zombie: 1));
        // A lone surrogate in a field the parser reads (Python accepts it), a directory and a FIFO where registries belong.
        var surrogatePath = workspace.TaskPath(workspace.TaskIds[1]);
        var text = await File.ReadAllTextAsync(surrogatePath);
        var at = text.IndexOf("\"tmux_session\": \"", StringComparison.Ordinal) + "\"tmux_session\": \"".Length;
        await File.WriteAllTextAsync(surrogatePath, text[..at] + "\\ud800" + text[at..]);
        var surrogateBytes = await File.ReadAllBytesAsync(surrogatePath);
        var directoryPath = workspace.TaskPath(workspace.TaskIds[2]);
        File.Delete(directoryPath);
        Directory.CreateDirectory(directoryPath);
        var fifoPath = workspace.TaskPath(workspace.TaskIds[3]);
        File.Delete(fifoPath);
        Assert.Equal(0, Mono.Unix.Native.Syscall.mkfifo(fifoPath, Mono.Unix.Native.FilePermissions.S_IRUSR | Mono.Unix.Native.FilePermissions.S_IWUSR));

        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options);
        var zombie = workspace.Truth.Zombies.Single(z => z.TaskId == workspace.TaskIds[0]);
        await Eventually.Until(() => Statuses(workspace)[$"{zombie.TaskId}/{zombie.AgentId}"] == "terminated" && controller.Status.Count(ReconcileOutcome.Error) >= 3, Deadline, "the good registry is repaired and the bad ones have failed");

        Assert.Equal(surrogateBytes, await File.ReadAllBytesAsync(surrogatePath));
        Assert.True(Directory.Exists(directoryPath));
        Assert.Equal(Mono.Unix.Native.FilePermissions.S_IFIFO, Mono.Unix.Native.Syscall.lstat(fifoPath, out var fifo) == 0 ? fifo.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT : 0);
        var warnings = controller.Logs.AtLeast(LogLevel.Warning).ToList();
        Assert.Contains(warnings, l => l.Contains(surrogatePath, StringComparison.Ordinal) && l.Contains("lone UTF-16 surrogate", StringComparison.Ordinal));
        Assert.Contains(warnings, l => l.Contains(directoryPath, StringComparison.Ordinal) && l.Contains("not a regular file", StringComparison.Ordinal));
        Assert.Contains(warnings, l => l.Contains(fifoPath, StringComparison.Ordinal) && l.Contains("not a regular file", StringComparison.Ordinal));
        Assert.Null(controller.Wedged);
        Assert.True(controller.Running);
    }

    [Fact]
    public async Task A_registry_deleted_while_its_reconcile_waits_for_the_lock_is_forgotten_and_not_recreated()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0));
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options);
        var task = workspace.TaskIds[0];
        var path = workspace.TaskPath(task);
        var other = await File.ReadAllBytesAsync(workspace.TaskPath(workspace.TaskIds[1]));
        await using var reader = await SharedLockHolder.LockAsync(path);
        using var blocked = new LockWaitSignal(path);

        await workspace.Tmux.Server.KillSessionAsync(SessionIn(workspace, task));
        await blocked.Started.WaitAsync(Deadline);
        File.Delete(path);

        await Eventually.Until(() => !controller.Manager.Caches.For(workspace.Root).Contains(path), Deadline, "the deleted registry is forgotten");
        await controller.WaitForIdleQueueAsync(Deadline);
        Assert.False(RegistryDiscovery.Stands(path), "the controller recreated a deleted registry");
        Assert.Equal(other, await File.ReadAllBytesAsync(workspace.TaskPath(workspace.TaskIds[1])));
        Assert.True(controller.Status.Count(ReconcileOutcome.Forgotten) > 0);
        Assert.Null(controller.Wedged);
        Assert.True(controller.Running);
    }

    [Fact]
    public async Task A_registry_replaced_while_its_reconcile_waits_for_the_lock_is_judged_again_on_what_replaced_it()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0));
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options);
        var task = workspace.TaskIds[0];
        var path = workspace.TaskPath(task);
        var session = SessionIn(workspace, task);
        var agent = AgentOf(workspace, session).Split('/')[1];
        // What the orchestrator writes next: the agent finished (completed, counter down by one), renamed over the old file.
        var replacement = ReadTask(workspace, task);
        var entry = replacement["agents"]!.AsArray().Single(a => (string?)a!["id"] == agent)!;
        entry["status"] = "completed";
        replacement["active_count"] = (int)replacement["active_count"]! - 1;
        var replacementBytes = PythonJsonWriterBytes(replacement);
        await using var reader = await SharedLockHolder.LockAsync(path);
        using var blocked = new LockWaitSignal(path);

        await workspace.Tmux.Server.KillSessionAsync(session);
        await blocked.Started.WaitAsync(Deadline);
        var reconciles = controller.Status.Reconciles;
        var staged = path + ".new";
        await File.WriteAllBytesAsync(staged, replacementBytes);
        File.Move(staged, path, overwrite: true);

        await Eventually.Until(() => controller.Status.Reconciles > reconciles, Deadline, "the waiting reconcile finishes");
        await controller.WaitForIdleQueueAsync(Deadline);
        Assert.Equal(replacementBytes, await File.ReadAllBytesAsync(path));
        Assert.Equal("completed", Statuses(workspace)[$"{task}/{agent}"]);
        Assert.Null(controller.Wedged);
        Assert.True(controller.Running);
    }

    [Fact]
    public async Task A_burst_of_thousands_of_file_events_costs_far_fewer_reconciles_and_the_queue_drains()
    {
        // TORTURE_BURST_TASKS=500 for the long run; 200 in the suite.
        var tasks = int.TryParse(Environment.GetEnvironmentVariable("TORTURE_BURST_TASKS"), out var n) ? n : 200;
        const int Touches = 10;
        var setup = Stopwatch.StartNew();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: tasks, new AgentMix(Live: 1, Zombie: 0, Completed: 1));
        var generated = setup.Elapsed;
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options);
        await controller.WaitForIdleQueueAsync(Deadline);
        output.WriteLine($"set-up: {tasks} tasks and tmux sessions in {generated.TotalMilliseconds:0} ms; controller ready (startup reconcile of {tasks + 1}) in {(setup.Elapsed - generated).TotalMilliseconds:0} ms");
        var before = workspace.CaptureFiles();
        var statuses = Statuses(workspace);
        var (reconciles, writes) = (controller.Status.Reconciles, controller.Status.Writes);
        using var events = new FileEventCounter(workspace.Root);

        var paths = RegistryDiscovery.Discover(workspace.Root).Select(l => l.Path).ToList();
        var burstStart = setup.ElapsedMilliseconds;
        var burst = Stopwatch.StartNew();
        for (var round = 0; round < Touches; round++)
        {
            var at = DateTime.UtcNow.AddSeconds(round);
            foreach (var path in paths)
            {
                File.SetLastWriteTimeUtc(path, at);
            }
        }

        burst.Stop();
        await Eventually.Until(() => events.Count > 0, Deadline, "the controller saw the file events");
        await controller.WaitForIdleQueueAsync(Deadline);
        output.WriteLine($"{paths.Count * Touches} touches in {burst.ElapsedMilliseconds} ms; {events.Count} file events; {controller.Status.Reconciles - reconciles} reconciles; queue drained {setup.ElapsedMilliseconds - burstStart} ms after the burst began; {controller.Status.Writes - writes} writes");

        var done = controller.Status.Reconciles - reconciles;
        Assert.True(events.Count >= paths.Count, $"only {events.Count} file events for {paths.Count * Touches} touches");
        Assert.True(done <= events.Count / 3, $"{done} reconciles for {events.Count} file events ({paths.Count * Touches} touches in {burst.ElapsedMilliseconds} ms)");
        Assert.True(done >= paths.Count / 2, $"only {done} reconciles after touching {paths.Count} registries");
        Assert.Equal(writes, controller.Status.Writes);
        Assert.Equal(statuses, Statuses(workspace));
        Assert.All(before.ChangedIn(workspace.CaptureFiles()), c => Assert.EndsWith("(mtime)", c, StringComparison.Ordinal));
        Assert.Null(controller.Wedged);
        Assert.True(controller.Running);
    }

    [Fact]
    public async Task A_workspace_removed_makes_the_controller_not_ready_and_once_recreated_it_is_watched_and_repaired_again()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, new AgentMix(Live: 2, Zombie: 0, Completed: 1));
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options);
        var saved = Directory.EnumerateFiles(workspace.Root, "*", SearchOption.AllDirectories).ToDictionary(p => p, File.ReadAllBytes, StringComparer.Ordinal);
        var before = Statuses(workspace);
        var cache = controller.Manager.Caches.For(workspace.Root);
        var session = SessionIn(workspace, workspace.TaskIds[0]);
        var agent = AgentOf(workspace, session);

        Directory.Delete(workspace.Root, recursive: true);
        await Eventually.Until(() => cache.Count == 0 && controller.Status.NotReadyReason is not null, Deadline, "the controller forgets the removed registries and is not ready");
        Assert.Contains(controller.Logs.AtLeast(LogLevel.Warning), l => l.Contains($"The workspace {workspace.Root} no longer exists", StringComparison.Ordinal));
        Assert.Null(controller.Wedged);

        // The orchestrator starts again: the same files, but one agent's session died meanwhile.
        await workspace.Tmux.Server.KillSessionAsync(session);
        foreach (var (path, bytes) in saved)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes);
        }

        var pickedUp = Stopwatch.StartNew();
        await Eventually.Until(() => Statuses(workspace)[agent] == "terminated" && controller.Status.NotReadyReason is null, Deadline, "the zombie in the recreated workspace is terminated and the controller is ready");
        output.WriteLine($"picked up {pickedUp.ElapsedMilliseconds} ms after the workspace was recreated");

        // Watched again, not merely resynced: a new task's registry is reconciled on its file event
        // (the periodic resync is 5 minutes away).
        var newTask = workspace.TaskIds[1] + "-new";
        var registry = ReadTask(workspace, workspace.TaskIds[1]);
        registry["task_id"] = newTask;
        var stranded = registry["agents"]!.AsArray().First(a => (string?)a!["status"] != "completed")!;
        stranded["tmux_session"] = "agent_gone-while-away";
        Directory.CreateDirectory(Path.Combine(workspace.Root, newTask));
        await File.WriteAllBytesAsync(Path.Combine(workspace.Root, newTask, RegistryDiscovery.TaskRegistryFileName), PythonJsonWriterBytes(registry));
        await Eventually.Until(() => (string?)ReadTask(workspace, newTask)["agents"]!.AsArray().Single(a => (string?)a!["id"] == (string?)stranded["id"])!["status"] == "terminated", Deadline, "the new task's zombie is terminated");

        Assert.Equal(before.Where(s => s.Key != agent), Statuses(workspace).Where(s => s.Key != agent));
        Assert.Contains(controller.Logs.AtLeast(LogLevel.Warning), l => l.Contains($"The workspace {workspace.Root} was removed and recreated", StringComparison.Ordinal));
        Assert.Null(controller.Wedged);
        Assert.True(controller.Running);
    }

    [Fact]
    public async Task A_workspace_removed_and_recreated_between_two_scans_is_watched_again()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0));
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options, c => c with { ScanInterval = TimeSpan.FromSeconds(1) });
        var saved = Directory.EnumerateFiles(workspace.Root, "*", SearchOption.AllDirectories).ToDictionary(p => p, File.ReadAllBytes, StringComparer.Ordinal);
        var session = SessionIn(workspace, workspace.TaskIds[1]);
        var agent = AgentOf(workspace, session);

        // Gone and back (an ext4 directory often gets its old inode number back) before a scan could see the gap.
        Directory.Delete(workspace.Root, recursive: true);
        foreach (var (path, bytes) in saved)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes);
        }

        await Eventually.Until(() => controller.Logs.AtLeast(LogLevel.Warning).Any(l => l.Contains("was removed and recreated", StringComparison.Ordinal)), Deadline, "the controller notices the new directory");
        await controller.WaitForIdleQueueAsync(Deadline);
        await workspace.Tmux.Server.KillSessionAsync(session);

        await Eventually.Until(() => Statuses(workspace)[agent] == "terminated", Deadline, "the zombie is terminated in the recreated workspace");
        Assert.Null(controller.Status.NotReadyReason);
    }

    [Fact]
    public async Task Task_directories_created_with_their_registry_at_once_are_all_reconciled_without_waiting_for_a_resync()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 1));
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux.Options);
        var template = ReadTask(workspace, workspace.TaskIds[0]);
        var zombie = workspace.Truth.Zombies.Single().AgentId;

        // As the orchestrator does: mkdir, then write the registry at once; the watcher must not lose
        // a registry written before it has a watch on the new directory.
        var created = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var task = $"TASK-new-{i:D3}";
            template["task_id"] = task;
            Directory.CreateDirectory(Path.Combine(workspace.Root, task));
            await File.WriteAllBytesAsync(Path.Combine(workspace.Root, task, RegistryDiscovery.TaskRegistryFileName), PythonJsonWriterBytes(template));
            created.Add(task);
        }

        bool Terminated(string task) => (string?)ReadTask(workspace, task)["agents"]!.AsArray().Single(a => (string?)a!["id"] == zombie)!["status"] == "terminated";
        await Eventually.Until(() => created.All(Terminated), Deadline, $"every new task's zombie is terminated (still waiting: {string.Join(", ", created.Where(t => !Terminated(t)).Take(5))})");
    }

    /// <summary>Every task agent's status, keyed task/agent.</summary>
    private static Dictionary<string, string?> Statuses(TmuxWorkspace workspace)
    {
        var statuses = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var task in workspace.TaskIds)
        {
            // Only regular files: a FIFO planted by a test would block a read for ever.
            if (Mono.Unix.Native.Syscall.lstat(workspace.TaskPath(task), out var stat) != 0 || (stat.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT) != Mono.Unix.Native.FilePermissions.S_IFREG)
            {
                continue;
            }

            foreach (var agent in ReadTask(workspace, task)["agents"]!.AsArray())
            {
                statuses[$"{task}/{agent!["id"]}"] = (string?)agent["status"];
            }
        }

        return statuses;
    }

    /// <summary>
    /// A task registry as the orchestrator's readers see it: .NET's File.ReadAllBytes takes a shared
    /// flock without waiting and throws while the controller holds the exclusive one, so wait for it.
    /// </summary>
    private static JsonObject ReadTask(TmuxWorkspace workspace, string task)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                return workspace.ReadTask(task);
            }
            catch (IOException) when (DateTime.UtcNow < until && File.Exists(workspace.TaskPath(task)))
            {
                Thread.Yield();
            }
        }
    }

    /// <summary>task/agent of the agent whose session this is.</summary>
    private static string AgentOf(TmuxWorkspace workspace, string session) =>
        workspace.TaskIds.SelectMany(t => ReadTask(workspace, t)["agents"]!.AsArray().Where(a => (string?)a!["tmux_session"] == session).Select(a => $"{t}/{a!["id"]}")).Single();

    /// <summary>The first session of a task that was live when the workspace was made.</summary>
    private static string SessionIn(TmuxWorkspace workspace, string task) =>
        ReadTask(workspace, task)["agents"]!.AsArray()
            .Select(a => (string)a!["tmux_session"]!)
            .First(workspace.Truth.LiveSessions.Contains);

    private static int Calls(FakeTmux fake, string mode) =>
        File.Exists(fake.PathOf("calls")) ? File.ReadAllLines(fake.PathOf("calls")).Count(l => l.StartsWith(mode + " ", StringComparison.Ordinal)) : 0;

    private static void TouchAll(TmuxWorkspace workspace)
    {
        foreach (var location in RegistryDiscovery.Discover(workspace.Root))
        {
            File.SetLastWriteTimeUtc(location.Path, DateTime.UtcNow);
        }
    }

    private static byte[] PythonJsonWriterBytes(JsonObject root) => RegistryController.Registry.PythonJsonWriter.Serialize(root);

    private static string Which(string name) =>
        Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not on PATH");

    private static async Task ChattrAsync(string flag, string path)
    {
        var result = await Cli.Wrap("chattr").WithArguments([flag, path]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(result.ExitCode == 0, $"chattr {flag} failed on this file system (run as a non-root user and use chmod instead): {result.StandardError}");
    }
}

/// <summary>Completes when a reconcile of one registry starts waiting for its exclusive lock (the store's lock span begins).</summary>
internal sealed class LockWaitSignal : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LockWaitSignal(string path)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RegistryTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = activity =>
            {
                if (activity.OperationName == RegistryTelemetry.Spans.Lock && activity.Parent?.GetTagItem(RegistryTelemetry.Attributes.Path) as string == path)
                {
                    _started.TrySetResult();
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public Task Started => _started.Task;

    public void Dispose() => _listener.Dispose();
}

/// <summary>Counts the controller's file events for one workspace (its file.event spans).</summary>
internal sealed class FileEventCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private int _count;

    public FileEventCounter(string root)
    {
        var prefix = root.TrimEnd('/') + "/";
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RegistryTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == RegistryTelemetry.Spans.FileEvent && activity.GetTagItem(RegistryTelemetry.Attributes.Path) is string path && path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _count);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public int Count => Volatile.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
