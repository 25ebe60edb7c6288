using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using RegistryController.Runtime;

namespace RegistryController.TelemetryBenchmarks;

/// <summary>
/// The per-registry reconcile with no OpenTelemetry listener (baseline) versus always-on tracing and
/// metrics exported over OTLP http/protobuf. Healthy: read and judge. Repair: lock, re-read, write, event.
/// </summary>
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
#pragma warning disable CA1001 // The rig is disposed in [GlobalCleanup], which BenchmarkDotNet calls.
public class ReconcileTelemetryBenchmarks
#pragma warning restore CA1001
{
    private ReconcileRig _rig = null!;

    /// <summary>Task registries in the workspace (11 agents each): the reconcile of one registry must not cost more in a larger workspace.</summary>
    [Params(2, 40)]
    public int Tasks { get; set; }

    [GlobalSetup(Targets = [nameof(HealthyUntraced), nameof(RepairUntraced)])]
    public async Task SetupUntracedAsync() => _rig = await ReconcileRig.StartAsync(Tasks);

    [GlobalSetup(Targets = [nameof(HealthyTraced), nameof(RepairTraced)])]
    public async Task SetupTracedAsync()
    {
        _rig = await ReconcileRig.StartAsync(Tasks);
        await _rig.EnableTelemetryAsync();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("healthy")]
    public Task<ReconcileResult> HealthyUntraced() => _rig.HealthyAsync();

    [Benchmark]
    [BenchmarkCategory("healthy")]
    public Task<ReconcileResult> HealthyTraced() => _rig.HealthyAsync();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("repair")]
    public Task<ReconcileResult> RepairUntraced() => _rig.RepairAsync();

    [Benchmark]
    [BenchmarkCategory("repair")]
    public Task<ReconcileResult> RepairTraced() => _rig.RepairAsync();

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _rig.DisableTelemetry();
        Console.WriteLine($"// OTLP sink: {_rig.Sink}");
        await _rig.DisposeAsync();
    }
}
