using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using RegistryController.Benchmarks;
using RegistryController.Judgement;
using RegistryController.Pass;
using RegistryController.Tmux;

// dotnet run -c Release --project bench/RegistryController.Benchmarks -- --filter '*HealthPass*'
// dotnet run -c Release --project bench/RegistryController.Benchmarks -- check       (quick look, no BenchmarkDotNet)
// dotnet run -c Release --project bench/RegistryController.Benchmarks -- passes 50   (health passes in a loop, for a profiler)
switch (args)
{
    case ["check", ..]:
        return await QuickCheckAsync();
    case ["parts", var count, ..]:
        return await PassParts.RunAsync(int.Parse(count, CultureInfo.InvariantCulture));
    case ["passes", var count, ..]:
        return await PassesAsync(int.Parse(count, CultureInfo.InvariantCulture));
    default:
        BenchmarkSwitcher.FromAssembly(typeof(BenchWorkspace).Assembly).Run(args);
        return 0;
}

// Builds the workspace, runs the checks, and times a few passes with a stopwatch: a minute, not fifteen.
static async Task<int> QuickCheckAsync()
{
    await using var workspace = await BenchWorkspace.CreateAsync();
    Console.WriteLine($"// workspace {workspace.Root}, tmux -S {workspace.Server.SocketPath}");
    await PassChecks.CheckHealthPassAsync(workspace, Console.Out);
    await PassChecks.CheckNaivePassAsync(workspace, Console.Out);
    await TimePassesAsync(workspace, 7);

    var naive = new NaiveHealthPass(new TmuxCliViewSource(workspace.Tmux), PassChecks.Store(), TimeProvider.System, new ReconcileOptions());
    var naiveTime = Stopwatch.StartNew();
    await naive.RunAsync(workspace.Root, CancellationToken.None);
    Console.WriteLine($"// NaiveHealthPass: {naiveTime.Elapsed.TotalMilliseconds:0} ms for one pass");
    return 0;
}

// Only health passes, back to back, so that perf or dotnet-trace sees nothing else once set up.
static async Task<int> PassesAsync(int count)
{
    await using var workspace = await BenchWorkspace.CreateAsync();
    Console.WriteLine($"// workspace ready (process {Environment.ProcessId}); running {count} health passes");
    await TimePassesAsync(workspace, count);
    return 0;
}

static async Task TimePassesAsync(BenchWorkspace workspace, int count)
{
    var pass = new ReconcilePass(new TmuxCliViewSource(workspace.Tmux), PassChecks.Store(), TimeProvider.System, new ReconcileOptions());
    var times = new List<double>();
    var cpu = new List<double>();
    using var self = Process.GetCurrentProcess();
    for (var i = 0; i < count; i++)
    {
        self.Refresh();
        var cpuBefore = self.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await pass.RunAsync(workspace.Root, ReconcileScope.Everything, PassMode.Check, null, CancellationToken.None);
        times.Add(stopwatch.Elapsed.TotalMilliseconds);
        self.Refresh();
        cpu.Add((self.TotalProcessorTime - cpuBefore).TotalMilliseconds);
    }

    times.Sort();
    cpu.Sort();
    // CPU time is what the pass costs whatever else the machine is doing; wall time depends on the neighbours.
    Console.WriteLine($"// HealthPass: median {times[times.Count / 2]:0.0} ms wall over {times.Count} passes (min {times[0]:0.0}, max {times[^1]:0.0}); "
        + $"median {cpu[cpu.Count / 2]:0.0} ms CPU in this process (user + system, all threads; the tmux server's own work not included)");
}
