using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RegistryController.Reconcile;
using RegistryController.Tmux;
using RegistryController.Workspace;

namespace RegistryController.Benchmarks;

/// <summary>
/// Where a health pass spends its time, part by part, on the same workspace: the tmux listing, reading
/// (lock, read, parse) every registry, and the pure judgement of a snapshot read beforehand.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class PassBreakdownBenchmarks
{
    private static readonly ReconcileOptions Options = new();
    private BenchWorkspace _workspace = null!;
    private TmuxCliViewSource _tmux = null!;
    private WorkspaceReader _reader = null!;
    private WorkspaceSnapshot _snapshot = null!;
    private TmuxView _view = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _workspace = await BenchWorkspace.CreateAsync();
        _tmux = new TmuxCliViewSource(_workspace.Tmux);
        _reader = new WorkspaceReader(PassChecks.Store());
        _snapshot = await _reader.ReadAsync(_workspace.Root, null, CancellationToken.None);
        _view = await _tmux.GetViewAsync(CancellationToken.None);
        if (_view.Status != TmuxViewStatus.Listed || _snapshot.Registries.Any(r => r.Error is not null))
        {
            throw new InvalidOperationException($"benchmark workspace check failed: tmux {_view.Status} ({_view.Detail}), or a registry did not read");
        }
    }

    [GlobalCleanup]
    public Task CleanupAsync() => _workspace.DisposeAsync().AsTask();

    [Benchmark]
    public Task<TmuxView> ListTmuxOnce() => _tmux.GetViewAsync(CancellationToken.None);

    [Benchmark]
    public Task<WorkspaceSnapshot> ReadWorkspace() => _reader.ReadAsync(_workspace.Root, null, CancellationToken.None);

    [Benchmark]
    public WorkspaceVerdict JudgeSnapshot() =>
        Reconciler.Judge(_snapshot, _view, ClockReading.From(TimeProvider.System), Options, ReconcileScope.Everything);
}
