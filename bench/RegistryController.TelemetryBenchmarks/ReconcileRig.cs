using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RegistryController.Controller;
using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Telemetry;
using RegistryController.Testing;
using RegistryController.Tmux;

namespace RegistryController.TelemetryBenchmarks;

/// <summary>
/// What both the BenchmarkDotNet cases and the paired run measure: the per-registry reconcile of
/// <c>registryctl run</c> (the real RegistryReconciler and RegistryStore, flock on real files, judged
/// against a real private tmux server's view, taken once as between two scans), on a generated
/// workspace of two tasks of 10 live agents and one zombie each.
/// </summary>
public sealed class ReconcileRig : IAsyncDisposable
{
    private static readonly ImmutableArray<Trigger> Triggers = [Trigger.File];

    private TmuxWorkspace _workspace = null!;
    private RegistryReconciler _reconciler = null!;
    private RegistryLocation _healthy = null!;
    private RegistryLocation _zombie = null!;
    private byte[] _zombieBytes = [];
    private OtlpReceiver? _sink;
    private TracerProvider? _tracer;
    private MeterProvider? _meter;

    private ReconcileRig()
    {
    }

    public string Sink => _sink?.ToString() ?? "no sink";

    /// <param name="tasks">Task registries in the workspace (each of 10 live agents and one zombie).</param>
    public static async Task<ReconcileRig> StartAsync(int tasks = 2)
    {
        var rig = new ReconcileRig();
        await rig.SetupAsync(tasks);
        return rig;
    }

    /// <summary>Always-on tracing and metrics, exported over OTLP http/protobuf to a receiver in this process.</summary>
    public async Task EnableTelemetryAsync()
    {
        _sink ??= await OtlpReceiver.StartAsync(decode: false);
        var resource = ResourceBuilder.CreateDefault().AddService("registry-controller-bench");
        _tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .SetSampler(new AlwaysOnSampler())
            .AddSource(RegistryTelemetry.Name)
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri(new Uri(_sink.Endpoint), "v1/traces");
                // A queue large enough that no span is dropped: a dropped span would cost nothing.
                o.BatchExportProcessorOptions.MaxQueueSize = 1 << 20;
                o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
            })
            .Build();
        _meter = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(RegistryTelemetry.Name)
            .AddOtlpExporter((o, reader) =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri(new Uri(_sink.Endpoint), "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 1000;
            })
            .Build();
    }

    /// <summary>Flushes what is left and removes every listener: starting a span costs a check again.</summary>
    public void DisableTelemetry()
    {
        _tracer?.ForceFlush();
        _meter?.ForceFlush();
        _tracer?.Dispose();
        _meter?.Dispose();
        _tracer = null;
        _meter = null;
    }

    /// <summary>Read and judge a healthy registry: nothing to write.</summary>
    public Task<ReconcileResult> HealthyAsync() => _reconciler.ReconcileAsync(_healthy, Triggers, [], CancellationToken.None);

    /// <summary>Put the registry back with its zombie (as the orchestrator would leave it), then reconcile: lock, re-read, write, event.</summary>
    public async Task<ReconcileResult> RepairAsync()
    {
        await File.WriteAllBytesAsync(_zombie.Path, _zombieBytes);
        var result = await _reconciler.ReconcileAsync(_zombie, Triggers, [], CancellationToken.None);
        return result.Outcome == ReconcileOutcome.Repaired ? result : throw new InvalidOperationException($"not repaired: {result.Outcome} {result.Error}");
    }

    public async ValueTask DisposeAsync()
    {
        DisableTelemetry();
        if (_sink is not null)
        {
            await _sink.DisposeAsync();
        }

        await _workspace.DisposeAsync();
    }

    private async Task SetupAsync(int tasks)
    {
        _workspace = await TmuxWorkspace.GenerateAsync(tasks, new AgentMix(Live: 10, Zombie: 1));
        var generated = _workspace.Generated;
        var time = TimeProvider.System;
        var views = new TmuxViewCache(new TmuxCliViewSource(new TmuxOptions { Socket = _workspace.Tmux.SocketPath }), time);
        await views.RefreshAsync(CancellationToken.None);
        var caches = new WorkspaceCaches();
        // No fsync: a disk flush only adds I/O wait (and noise) to both sides, which would hide the telemetry's share.
        var store = new RegistryStore(new RegistryStoreOptions { Fsync = false }, new LockOptions(), time);
        var controllerOptions = new ControllerOptions { ScanInterval = TimeSpan.FromHours(1), MaxViewAgeForTermination = TimeSpan.FromHours(1) };
        _reconciler = new RegistryReconciler(store, views, caches, new ReconcileOptions(), controllerOptions, time, NullLogger<RegistryReconciler>.Instance);

        var workspace = generated.Root;
        foreach (var location in RegistryDiscovery.Discover(workspace))
        {
            caches.For(workspace).Update(await store.ReadAsync(location, CancellationToken.None));
        }

        var registries = RegistryDiscovery.Discover(workspace).Where(l => l.Kind == RegistryKind.Task).OrderBy(l => l.Path, StringComparer.Ordinal).ToList();
        _healthy = registries[0];
        _zombie = registries[1];
        _zombieBytes = await File.ReadAllBytesAsync(_zombie.Path);
        // The healthy registry is the first task once its zombie is repaired.
        var first = await HealthyAsync();
        if (first.Outcome != ReconcileOutcome.Repaired)
        {
            throw new InvalidOperationException($"the first task's zombie was not repaired: {first.Outcome} {first.Error}");
        }
    }
}
