using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RegistryController.Telemetry;

namespace RegistryController.Controller;

/// <summary>
/// The gauges that observe a running controller (current orphans, active agents per workspace, queue
/// depth). Created once on the static Meter; each running manager registers itself while it lives.
/// </summary>
public static class ControllerGauges
{
    private static readonly ConcurrentDictionary<ControllerManager, byte> Managers = new();

    private static readonly ObservableGauge<long> Orphans = RegistryTelemetry.Meter.CreateObservableGauge(
        "registryctl.orphans", () => Managers.Keys.Select(m => new Measurement<long>(m.Orphans.Current)), "{session}", "agent_ sessions no watched registry names");

    private static readonly ObservableGauge<long> ActiveAgents = RegistryTelemetry.Meter.CreateObservableGauge(
        "registryctl.agents.active",
        () => Managers.Keys.SelectMany(m => m.ActiveAgents()).Select(a => new Measurement<long>(a.Active, new KeyValuePair<string, object?>(RegistryTelemetry.Attributes.Workspace, a.Workspace))),
        "{agent}",
        "Agents whose status is active, per workspace");

    private static readonly ObservableGauge<long> QueueDepth = RegistryTelemetry.Meter.CreateObservableGauge(
        "registryctl.queue.depth", () => Managers.Keys.Select(m => new Measurement<long>(m.Queue.Depth)), "{registry}", "Registries waiting to be reconciled");

    public static IDisposable Register(ControllerManager manager)
    {
        // Touch the static instruments so they exist before the first collection.
        _ = (Orphans, ActiveAgents, QueueDepth);
        Managers[manager] = 0;
        return new Registration(manager);
    }

    private sealed class Registration(ControllerManager manager) : IDisposable
    {
        public void Dispose() => Managers.TryRemove(manager, out _);
    }
}
