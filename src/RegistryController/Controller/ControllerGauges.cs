using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RegistryController.Runtime;
using RegistryController.Telemetry;

namespace RegistryController.Controller;

/// <summary>
/// The gauges that observe a running controller (current orphans, active agents per workspace, queue
/// depth). Created once on the static Meter; each running manager registers itself while it lives.
/// </summary>
internal static class ControllerGauges
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

    // Both outcomes are always reported (0 when none), so an alert on them sees a series, not an absence.
    private static readonly ObservableGauge<long> Unsettled = RegistryTelemetry.Meter.CreateObservableGauge(
        "registryctl.registries.unsettled",
        () => Managers.Keys.SelectMany(m => new[] { ReconcileOutcome.Error, ReconcileOutcome.Held }
            .Select(o => new Measurement<long>(m.RegistriesLastEndedWith(o), new KeyValuePair<string, object?>(RegistryTelemetry.Attributes.Outcome, o.ToString().ToLowerInvariant())))),
        "{registry}",
        "Registries whose latest reconcile failed (error) or was held by the mass guard (held)");

    private static readonly ObservableGauge<long> Ready = RegistryTelemetry.Meter.CreateObservableGauge(
        "registryctl.ready", () => Managers.Keys.Select(m => new Measurement<long>(m.Status.NotReadyReason is null ? 1 : 0)), "1", "1 when /readyz says ready, else 0");

    // A timestamp, not an age: Prometheus computes the age itself (time() - x), and a wedged loop
    // whose /metrics still answers shows a value that stops moving.
    private static readonly ObservableGauge<double> LastActivity = RegistryTelemetry.Meter.CreateObservableGauge(
        "registryctl.loop.last_activity", () => Managers.Keys.Select(m => new Measurement<double>(m.Status.LastTick.ToUnixTimeMilliseconds() / 1000.0)), "s", "Unix time of the loop's last tmux scan or finished reconcile");

    public static IDisposable Register(ControllerManager manager)
    {
        // Touch the static instruments so they exist before the first collection.
        _ = (Orphans, ActiveAgents, QueueDepth, Unsettled, Ready, LastActivity);
        Managers[manager] = 0;
        return new Registration(manager);
    }

    private sealed class Registration(ControllerManager manager) : IDisposable
    {
        public void Dispose() => Managers.TryRemove(manager, out _);
    }
}
