using OpenTelemetry.Proto.Metrics.V1;
using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>
/// A real <c>registryctl run</c> exporting metrics over OTLP every 200 ms, on a workspace with two
/// live agents, one zombie (repaired at startup) and one orphan session; it runs while the tests look.
/// </summary>
public sealed class MetricsControllerFixture : IAsyncLifetime
{
    private TmuxWorkspace? _workspace;
    private OtlpReceiver? _receiver;
    private RegistryctlProcess? _controller;

    public TmuxWorkspace Workspace => _workspace ?? throw new InvalidOperationException("not started");

    public OtlpReceiver Receiver => _receiver ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        _workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 2, Zombie: 1), orphans: 1);
        _controller = await RegistryctlProcess.StartControllerAsync(Workspace.Root, Workspace.Tmux.SocketPath, Receiver.ExporterEnvironment(), "--set", "Controller:ScanInterval=500ms");
    }

    /// <summary>Waits for the newest export in which <paramref name="probe"/> finds what it looks for.</summary>
    public Task<T> WaitForLatestAsync<T>(Func<IReadOnlyList<ReceivedMetric>, T?> probe, string what)
        where T : class =>
        Receiver.WaitForAsync(r => probe([.. r.Metrics.GroupBy(m => m.Name, StringComparer.Ordinal).Select(g => g.Last())]), what);

    public async Task DisposeAsync()
    {
        if (_controller is not null)
        {
            await _controller.StopAsync();
            await _controller.DisposeAsync();
        }

        if (_workspace is not null)
        {
            await _workspace.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }
}

/// <summary>The controller's metrics as a collector receives them over OTLP (http/protobuf), decoded.</summary>
public class MetricsExportTests(MetricsControllerFixture run) : IClassFixture<MetricsControllerFixture>
{
    private static readonly Dictionary<string, (Metric.DataOneofCase Type, string Unit)> Families = new(StringComparer.Ordinal)
    {
        ["registryctl.reconciles"] = (Metric.DataOneofCase.Sum, "{reconcile}"),
        ["registryctl.reconcile.duration"] = (Metric.DataOneofCase.Histogram, "s"),
        ["registryctl.zombies.terminated"] = (Metric.DataOneofCase.Sum, "{agent}"),
        ["registryctl.orphans"] = (Metric.DataOneofCase.Gauge, "{session}"),
        ["registryctl.agents.active"] = (Metric.DataOneofCase.Gauge, "{agent}"),
        ["registryctl.queue.depth"] = (Metric.DataOneofCase.Gauge, "{registry}"),
        ["registryctl.lock.wait"] = (Metric.DataOneofCase.Histogram, "s"),
        ["registryctl.tmux.view.duration"] = (Metric.DataOneofCase.Histogram, "s"),
    };

    [Fact]
    public async Task Every_metric_family_arrives_with_its_instrument_type_and_unit()
    {
        var metrics = await run.WaitForLatestAsync(m => Families.Keys.All(name => m.Any(x => x.Name == name)) ? m : null, "every metric family");

        Assert.All(Families, family =>
        {
            var metric = metrics.Single(m => m.Name == family.Key).Metric;
            Assert.True(metric.DataCase == family.Value.Type && metric.Unit == family.Value.Unit, $"{family.Key}: {metric.DataCase} in '{metric.Unit}'");
            Assert.False(string.IsNullOrEmpty(metric.Description), $"{family.Key} has no description");
        });
        Assert.All(metrics.Where(m => m.Metric.DataCase == Metric.DataOneofCase.Sum), m => Assert.True(m.Metric.Sum.IsMonotonic, m.Name));
    }

    [Fact]
    public async Task The_reconciles_counter_counts_the_startup_repair_under_its_outcome()
    {
        var repaired = await run.WaitForLatestAsync(
            m => m.FirstOrDefault(x => x.Name == "registryctl.reconciles")?.Metric.Sum.DataPoints.FirstOrDefault(p => Text(p.Attributes, "reconcile.outcome") == "repaired" && Text(p.Attributes, "registry.kind") == "task"),
            "a repaired task reconcile");

        Assert.Equal(1, repaired.AsInt);
        Assert.Equal(run.Workspace.Root, Text(repaired.Attributes, "registry.workspace"));
    }

    [Fact]
    public async Task The_zombies_terminated_counter_counts_the_repaired_zombie_by_reason_and_workspace()
    {
        var terminated = await run.WaitForLatestAsync(m => m.FirstOrDefault(x => x.Name == "registryctl.zombies.terminated")?.Metric.Sum.DataPoints.SingleOrDefault(), "the zombies terminated");

        Assert.Equal(run.Workspace.Truth.Zombies.Length, terminated.AsInt);
        Assert.Equal("session_not_found", Text(terminated.Attributes, "agent.termination_reason"));
        Assert.Equal(run.Workspace.Root, Text(terminated.Attributes, "registry.workspace"));
    }

    [Fact]
    public async Task The_active_agents_gauge_reports_the_live_agents_of_the_workspace_after_the_repair()
    {
        var active = await run.WaitForLatestAsync(
            m => m.FirstOrDefault(x => x.Name == "registryctl.agents.active")?.Metric.Gauge.DataPoints.FirstOrDefault(p => Text(p.Attributes, "registry.workspace") == run.Workspace.Root && p.AsInt == run.Workspace.Truth.LiveSessions.Length),
            $"{run.Workspace.Truth.LiveSessions.Length} active agents");

        Assert.Equal(run.Workspace.Truth.LiveSessions.Length, active.AsInt);
    }

    [Fact]
    public async Task The_orphans_gauge_counts_the_agent_session_no_registry_names()
    {
        var orphans = await run.WaitForLatestAsync(m => m.FirstOrDefault(x => x.Name == "registryctl.orphans")?.Metric.Gauge.DataPoints.FirstOrDefault(p => p.AsInt > 0), "an orphan counted");

        Assert.Equal(run.Workspace.Truth.OrphanSessions.Length, orphans.AsInt);
    }

    [Fact]
    public async Task The_lock_wait_and_tmux_view_histograms_count_what_the_repair_did()
    {
        var histograms = await run.WaitForLatestAsync(
            m => m.Where(x => x.Name is "registryctl.lock.wait" or "registryctl.tmux.view.duration").ToList() is { Count: 2 } both
                && both.Single(h => h.Name == "registryctl.lock.wait").Metric.Histogram.DataPoints.Sum(p => (long)p.Count) >= 2 ? both : null,
            "the lock and tmux histograms, with both of the repair's locks counted");

        // The repair locked the task registry, then the global one; every look at tmux listed it.
        var locks = Assert.Single(histograms.Single(h => h.Name == "registryctl.lock.wait").Metric.Histogram.DataPoints);
        Assert.Equal(2UL, locks.Count);
        var looks = Assert.Single(histograms.Single(h => h.Name == "registryctl.tmux.view.duration").Metric.Histogram.DataPoints);
        Assert.Equal("Listed", Text(looks.Attributes, "tmux.view.status"));
        Assert.True(looks.Count >= 1 && looks.Sum > 0, looks.ToString());
    }

    private static string? Text(IEnumerable<OpenTelemetry.Proto.Common.V1.KeyValue> attributes, string key) => Otlp.Find(attributes, key)?.StringValue;
}
