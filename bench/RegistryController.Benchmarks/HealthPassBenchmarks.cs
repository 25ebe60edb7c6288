using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RegistryController.Judgement;
using RegistryController.Pass;
using RegistryController.Tmux;

namespace RegistryController.Benchmarks;

/// <summary>
/// The benchmark: one full <c>health</c> pass in-process over 1,000 task registries × 20
/// agents with about 1,000 live sessions, against the orchestrator's way of doing the same
/// (one tmux listing per registry) as the baseline, so the Ratio column compares them in one run.
/// </summary>
/// <remarks>
/// The job is sized for a shared 2-core machine: one launch, 3 warm-up and 10 measured iterations.
/// The naive pass takes about 20 s per operation (a thousand tmux processes), so each of its
/// iterations is a single invocation and it alone takes about five minutes; the health pass fills
/// each 0.5 s iteration with a few invocations.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
[MaxColumn]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class HealthPassBenchmarks
{
    private BenchWorkspace _workspace = null!;
    private CountingViewSource _tmux = null!;
    private ReconcilePass _pass = null!;
    private NaiveHealthPass _naive = null!;
    private long _passes;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _workspace = await BenchWorkspace.CreateAsync();
        await PassChecks.CheckHealthPassAsync(_workspace, Console.Out);
        await PassChecks.CheckNaivePassAsync(_workspace, Console.Out);

        // What is timed: the real view source and store, exactly as registryctl builds them.
        _tmux = new CountingViewSource(new TmuxCliViewSource(_workspace.Tmux));
        _pass = new ReconcilePass(_tmux, PassChecks.Store(), TimeProvider.System, new ReconcileOptions());
        _naive = new NaiveHealthPass(_tmux, PassChecks.Store(), TimeProvider.System, new ReconcileOptions());
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_passes > 0)
        {
            await Console.Out.WriteLineAsync($"// tmux calls over the timed run: {_tmux.Calls} in {_passes} passes = {(double)_tmux.Calls / _passes:0.###} per pass");
        }

        await _workspace.DisposeAsync();
    }

    [Benchmark]
    public Task<PassReport> HealthPass()
    {
        Interlocked.Increment(ref _passes);
        return _pass.RunAsync(_workspace.Root, ReconcileScope.Everything, PassMode.Check, null, CancellationToken.None);
    }

    [Benchmark(Baseline = true)]
    public Task<NaiveReport> NaiveHealthPass()
    {
        Interlocked.Increment(ref _passes);
        return _naive.RunAsync(_workspace.Root, CancellationToken.None);
    }
}
