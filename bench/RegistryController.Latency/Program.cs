using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CliWrap;
using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Testing;

// Event-to-repair latency and idle cost of `registryctl run`, measured from outside the controller
// process. Usage (documented in docs/benchmarks.md):
//   dotnet run -c Release --project bench/RegistryController.Latency -- [--events 200] [--idle-registries 1000] [--idle-seconds 60]
//   dotnet run -c Release --project bench/RegistryController.Latency -- churn [--events 200]
if (args.Contains("sizes"))
{
    await Sizes.RunAsync();
    return 0;
}

var events = Argument("--events", 200);
if (args.Contains("churn"))
{
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
    var churn = await Churn.RunAsync(events);
    Report("churn: session death → registry repaired, all", churn.All);
    Report("churn: the control client's own session killed", churn.Attached);
    Report("churn: another session killed at the same instant", churn.Companions);
    Report("churn: deaths after the tmux server restart", churn.AfterRestart);
    Console.WriteLine(churn.Summary);
    Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
    return churn.Failures == 0 ? 0 : 1;
}

var idleRegistries = Argument("--idle-registries", 1000);
var idleSeconds = Argument("--idle-seconds", 60);

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim()}");
var death = await Scenario.SessionDeathAsync(events);
var write = await Scenario.WriteAsync(events);
Report("session death → registry repaired", death);
Report("registry write → repaired", write);
var idle = await Scenario.IdleAsync(idleRegistries, TimeSpan.FromSeconds(idleSeconds));
Console.WriteLine($"idle, {idleRegistries} registries over {idleSeconds} s: CPU {idle.CpuPercent:0.00} % of one core, RSS median {idle.RssMedianMb:0.0} MB (max {idle.RssMaxMb:0.0} MB; at the end: {idle.Breakdown})");
return 0;

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static void Report(string what, List<double> samples)
{
    if (samples.Count == 0)
    {
        Console.WriteLine($"{what}: n=0");
        return;
    }

    samples.Sort();
    double P(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
    Console.WriteLine($"{what}: n={samples.Count} p50={P(0.50):0.0} ms p90={P(0.90):0.0} ms p99={P(0.99):0.0} ms max={samples[^1]:0.0} ms");
}

internal static class Scenario
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static async Task<List<double>> SessionDeathAsync(int events)
    {
        // One task per event keeps every registry small, as the orchestrator's are.
        await using var lab = await Lab.StartAsync(tasks: events, new AgentMix(Live: 2, Zombie: 0, Completed: 3));
        var samples = new List<double>(events);
        foreach (var (taskId, session) in lab.Generated.TaskIds.Zip(lab.Generated.Truth.LiveSessions.Where((_, i) => i % 2 == 0)))
        {
            var path = lab.RegistryPath(taskId);
            var agentId = session["agent_".Length..];
            var clock = Stopwatch.StartNew();
            await lab.Tmux.KillSessionAsync(session);
            await WaitTerminatedAsync(path, agentId);
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        return samples;
    }

    public static async Task<List<double>> WriteAsync(int events)
    {
        await using var lab = await Lab.StartAsync(tasks: events, new AgentMix(Live: 2, Zombie: 0, Completed: 3));
        var samples = new List<double>(events);
        var old = ClockReading.From(TimeProvider.System) with { Now = DateTimeOffset.Now.AddMinutes(-5) };
        for (var i = 0; i < events; i++)
        {
            var path = lab.RegistryPath(lab.Generated.TaskIds[i]);
            var agentId = $"written_zombie-{i:x4}";
            var clock = Stopwatch.StartNew();
            // Written as the orchestrator's careful writer does: flock, read, change, rewrite in place.
            LockedFile.Update(path, bytes =>
            {
                var (_, root) = RegistryParser.ParseForEdit(bytes, path, RegistryKind.Task);
                root["agents"]!.AsArray().Add((JsonNode)new JsonObject
                {
                    ["id"] = agentId,
                    ["type"] = "written_zombie",
                    ["tmux_session"] = "agent_" + agentId,
                    ["parent"] = "orchestrator",
                    ["depth"] = 1,
                    ["status"] = "running",
                    ["started_at"] = old.NowAsPythonIsoformat(),
                    ["progress"] = 10,
                    ["last_update"] = old.NowAsPythonIsoformat(),
                });
                root["active_count"] = (long)root["active_count"]! + 1;
                return PythonJsonWriter.Serialize(root);
            });
            await WaitTerminatedAsync(path, agentId);
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        return samples;
    }

    public static async Task<(double CpuPercent, double RssMedianMb, double RssMaxMb, string Breakdown)> IdleAsync(int registries, TimeSpan window)
    {
        await using var lab = await Lab.StartAsync(tasks: registries, new AgentMix(Live: 1, Zombie: 0, Completed: 4));
        // Let start-up allocations and JIT settle before the window opens.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var cpuBefore = lab.CpuTicks();
        var rss = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            rss.Add(lab.RssMb());
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var cpuSeconds = (lab.CpuTicks() - cpuBefore) / (double)Lab.ClockTicksPerSecond;
        rss.Sort();
        return (100 * cpuSeconds / clock.Elapsed.TotalSeconds, rss[rss.Count / 2], rss[^1], lab.RssBreakdown());
    }

    private static async Task WaitTerminatedAsync(string path, string agentId)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Deadline)
        {
            if (TryRead(path) is { } model && model.Agents.LastOrDefault(a => a.Id == agentId) is { Status: "terminated" })
            {
                return;
            }

            // 1 ms resolution is far below what is measured; reading a 10 KB file costs microseconds.
            await Task.Delay(1);
        }

        throw new TimeoutException($"{agentId} in {path} was not repaired within {Deadline.TotalSeconds} s");
    }

    internal static RegistryModel? TryRead(string path)
    {
        try
        {
            return RegistryParser.Parse(File.ReadAllBytes(path), path, RegistryKind.Task);
        }
        catch (Exception ex) when (ex is IOException or RegistryFormatException)
        {
            return null; // mid-write or locked: look again
        }
    }
}

/// <summary>A generated workspace, its private tmux server and a `registryctl run` process watching both.</summary>
internal sealed class Lab : IAsyncDisposable
{
    public const long ClockTicksPerSecond = 100;
    private readonly TmuxWorkspace _workspace;
    private readonly RegistryctlProcess _controller;

    private Lab(TmuxWorkspace workspace, RegistryctlProcess controller)
    {
        _workspace = workspace;
        _controller = controller;
    }

    public GeneratedWorkspace Generated => _workspace.Generated;

    public PrivateTmuxServer Tmux => _workspace.Tmux.Server;

    public static async Task<Lab> StartAsync(int tasks, AgentMix mix)
    {
        var workspace = await TmuxWorkspace.GenerateAsync(tasks, mix);
        try
        {
            var controller = await RegistryctlProcess.StartControllerAsync(workspace.Root, workspace.Tmux.SocketPath, null, "--set", "Log:Level=Warning");
            return new Lab(workspace, controller);
        }
        catch
        {
            await workspace.DisposeAsync();
            throw;
        }
    }

    public string RegistryPath(string taskId) => _workspace.TaskPath(taskId);

    public long CpuTicks()
    {
        // /proc/PID/stat fields 14 and 15: utime and stime in clock ticks (the comm field may hold spaces).
        var stat = File.ReadAllText($"/proc/{_controller.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>Anonymous (heap, stacks) versus file-backed (mapped assemblies, shared and clean) resident memory, and PSS.</summary>
    public string RssBreakdown()
    {
        var pid = _controller.Id;
        double Field(string file, string name) => long.Parse(File.ReadLines(file).First(l => l.StartsWith(name, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        return $"anon {Field($"/proc/{pid}/status", "RssAnon:"):0.0} MB, file {Field($"/proc/{pid}/status", "RssFile:"):0.0} MB, shmem {Field($"/proc/{pid}/status", "RssShmem:"):0.0} MB, PSS {Field($"/proc/{pid}/smaps_rollup", "Pss:"):0.0} MB";
    }

    public double RssMb() =>
        long.Parse(File.ReadLines($"/proc/{_controller.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _controller.StopAsync();
        }
        finally
        {
            await _controller.DisposeAsync();
            await _workspace.DisposeAsync();
        }
    }
}

/// <summary>
/// `sizes` mode: full health and repair passes at 100, 1,000 and 5,000 registries (one tmux call each),
/// each beside the naive way (one tmux listing per registry) in the same run, and one registry of 10,
/// 100 and 1,000 agents: locked-update time and how long the lock was held.
/// </summary>
internal static class Sizes
{
    public static async Task RunAsync()
    {
        foreach (var registries in new[] { 100, 1000, 5000 })
        {
            await PassesAsync(registries);
        }

        foreach (var agents in new[] { 10, 100, 1000 })
        {
            await OneRegistryAsync(agents);
        }
    }

    private static async Task PassesAsync(int registries)
    {
        var directory = Directory.CreateTempSubdirectory("registryctl-sizes-").FullName;
        var tmux = new PrivateTmuxServer(Path.Combine(directory, "tmux"));
        try
        {
            // One live session per registry, up to 1,000: the sandbox caps processes (and a pane is one).
            var live = registries <= 1000 ? 1 : 0;
            var generated = WorkspaceGenerator.Generate(Path.Combine(directory, "workspace"), registries, new AgentMix(Live: live, Zombie: 1, Completed: 4 - live), orphans: 1, ClockReading.From(TimeProvider.System));
            await tmux.StartAsync(WorkspaceGenerator.LiveAndOrphanSessions(generated.Truth));
            // The naive repair gets a copy of the workspace as it was, since the real repair fixes this one.
            var copy = Path.Combine(directory, "naive-workspace");
            await Cli.Wrap("cp").WithArguments(["-a", generated.Root, copy]).ExecuteAsync();
            var options = new ReconcileOptions { Force = true };
            var view = new RegistryController.Tmux.TmuxCliViewSource(new RegistryController.Tmux.TmuxOptions { Socket = tmux.SocketPath });
            var store = new RegistryController.Store.RegistryStore(new RegistryController.Store.RegistryStoreOptions(), new RegistryController.Locking.LockOptions());
            var pass = new RegistryController.Pass.ReconcilePass(view, store, TimeProvider.System, options);

            var health = await TimeAsync(7, () => pass.RunAsync(generated.Root, ReconcileScope.Everything, RegistryController.Pass.PassMode.Check, null, CancellationToken.None));
            var naive = new RegistryController.Benchmarks.NaiveHealthPass(view, store, TimeProvider.System, options);
            var naiveHealth = await TimeAsync(registries <= 1000 ? 3 : 1, () => naive.RunAsync(generated.Root, CancellationToken.None));

            RegistryController.Pass.PassReport? report = null;
            var repair = await TimeAsync(1, async () => report = await pass.RunAsync(generated.Root, ReconcileScope.Everything, RegistryController.Pass.PassMode.Repair, null, CancellationToken.None));
            var naiveWritten = 0;
            var naiveRepair = await TimeAsync(1, async () => naiveWritten = await NaiveRepairAsync(copy, view, store, options));

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{registries} registries: health median {health[health.Count / 2]:0} ms (min {health[0]:0}, max {health[^1]:0}, n={health.Count}); naive health median {naiveHealth[naiveHealth.Count / 2]:0} ms (n={naiveHealth.Count}), {naiveHealth[naiveHealth.Count / 2] / health[health.Count / 2]:0.#}x"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{registries} registries: repair {repair[0]:0} ms writing {report!.Outcomes.Count(o => o.Written)} files; naive repair {naiveRepair[0]:0} ms writing {naiveWritten} task files (global left out), {naiveRepair[0] / repair[0]:0.#}x"));
        }
        finally
        {
            await tmux.KillServerAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Wall times of <paramref name="runs"/> runs, sorted, in milliseconds.</summary>
    private static async Task<List<double>> TimeAsync(int runs, Func<Task> run)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            await run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times;
    }

    /// <summary>
    /// The orchestrator's repair script on the same parts: each task registry in turn, its own tmux
    /// listing, then a locked update with the edits that listing calls for. The global registry is left
    /// out, which only flatters the naive side.
    /// </summary>
    private static async Task<int> NaiveRepairAsync(string root, RegistryController.Tmux.TmuxCliViewSource tmux, RegistryController.Store.RegistryStore store, ReconcileOptions options)
    {
        var workspace = await new RegistryController.Store.WorkspaceReader(store, options).ReadAsync(root, null, CancellationToken.None);
        var written = 0;
        foreach (var registry in workspace.Registries.Where(r => r.Kind == RegistryKind.Task))
        {
            var listing = await tmux.GetViewAsync(CancellationToken.None);
            var clock = ClockReading.From(TimeProvider.System);
            var location = new RegistryController.Store.RegistryLocation(root, registry.Path, registry.Kind, registry.TaskId);
            var outcome = await store.UpdateAsync(location, model => Reconciler.PlanTask(model, listing, clock, options).Edits, CancellationToken.None);
            written += outcome.Written ? 1 : 0;
        }

        return written;
    }

    private static async Task OneRegistryAsync(int agents)
    {
        var directory = Directory.CreateTempSubdirectory("registryctl-sizes-").FullName;
        try
        {
            var generated = WorkspaceGenerator.Generate(Path.Combine(directory, "workspace"), 1, new AgentMix(Live: 1, Zombie: 0, Completed: agents - 1), orphans: 0, ClockReading.From(TimeProvider.System));
            var path = Path.Combine(generated.Root, generated.TaskIds[0], "AGENT_REGISTRY.json");
            var location = new RegistryController.Store.RegistryLocation(generated.Root, path, RegistryKind.Task, generated.TaskIds[0]);
            var store = new RegistryController.Store.RegistryStore(new RegistryController.Store.RegistryStoreOptions(), new RegistryController.Locking.LockOptions());
            var total = new List<double>();
            var held = new List<double>();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            const int Rounds = 200;
            for (var i = 0; i < Rounds; i++)
            {
                // Each round rewrites the counter (alternating), a write of the whole file as a repair does.
                var clock = Stopwatch.StartNew();
                var outcome = await store.UpdateAsync(location, model => [new SetCounter("active_count", model.ActiveCount ?? 0, (model.ActiveCount ?? 0) == 1 ? 2 : 1)], CancellationToken.None);
                total.Add(clock.Elapsed.TotalMilliseconds);
                held.Add(outcome.Lock.Held.TotalMilliseconds);
            }

            var perUpdate = (GC.GetAllocatedBytesForCurrentThread() - allocated) / Rounds / 1024.0;
            total.Sort();
            held.Sort();
            double P(List<double> s, double q) => s[Math.Min(s.Count - 1, (int)Math.Ceiling(q * s.Count) - 1)];
            Console.WriteLine($"one registry of {agents} agents ({new FileInfo(path).Length / 1024.0:0.0} KiB): update p50 {P(total, 0.5):0.00} ms p99 {P(total, 0.99):0.00} ms; lock held p50 {P(held, 0.5):0.00} ms p99 {P(held, 0.99):0.00} ms; ~{perUpdate:0} KiB allocated per update (this thread)");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
