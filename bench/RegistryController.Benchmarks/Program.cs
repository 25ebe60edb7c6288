using System.Diagnostics;
using BenchmarkDotNet.Running;
using RegistryController.Benchmarks;
using RegistryController.Engine;
using RegistryController.Reconcile;
using RegistryController.Tmux;

// dotnet run -c Release --project bench/RegistryController.Benchmarks -- --filter '*HealthPass*'
// dotnet run -c Release --project bench/RegistryController.Benchmarks -- check    (quick look, no BenchmarkDotNet)
if (args is ["check", ..])
{
    return await QuickCheckAsync();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

// Builds the workspace, runs the checks, and times a few passes with a stopwatch: seconds, not minutes.
static async Task<int> QuickCheckAsync()
{
    await using var workspace = await BenchWorkspace.CreateAsync();
    Console.WriteLine($"// workspace {workspace.Root}, tmux -S {workspace.Server.SocketPath}");
    await PassChecks.CheckHealthPassAsync(workspace, Console.Out);
    await PassChecks.CheckNaivePassAsync(workspace, Console.Out);

    var pass = new ReconcilePass(new TmuxCliViewSource(workspace.Tmux), PassChecks.Store(), TimeProvider.System, new ReconcileOptions());
    var times = new List<double>();
    for (var i = 0; i < 7; i++)
    {
        var stopwatch = Stopwatch.StartNew();
        await pass.RunAsync(workspace.Root, ReconcileScope.Everything, PassMode.Check, null, CancellationToken.None);
        times.Add(stopwatch.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    Console.WriteLine($"// HealthPass: median {times[times.Count / 2]:0.0} ms over {times.Count} passes (min {times[0]:0.0}, max {times[^1]:0.0})");

    var naive = new NaiveHealthPass(new TmuxCliViewSource(workspace.Tmux), PassChecks.Store(), TimeProvider.System, new ReconcileOptions());
    var naiveTime = Stopwatch.StartNew();
    await naive.RunAsync(workspace.Root, CancellationToken.None);
    Console.WriteLine($"// NaiveHealthPass: {naiveTime.Elapsed.TotalMilliseconds:0} ms for one pass");
    return 0;
}
