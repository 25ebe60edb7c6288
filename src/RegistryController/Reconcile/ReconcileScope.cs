using System.Collections.Immutable;

namespace RegistryController.Reconcile;

/// <summary>
/// Which registries a pass reports on and repairs. The whole workspace is still read: orphans,
/// the mass guard and the global counters are workspace-wide facts.
/// </summary>
public sealed record ReconcileScope(bool AllTasks, ImmutableHashSet<string> TaskIds, bool Global)
{
    public static ReconcileScope Everything { get; } = new(true, [], true);

    public bool Includes(RegistrySnapshot registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Kind == Registry.RegistryKind.Global
            ? Global
            : AllTasks || (registry.TaskId is { } id && TaskIds.Contains(id));
    }
}
