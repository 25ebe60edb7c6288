using System.Collections.Immutable;

namespace RegistryController.Judgement;

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
        return Includes(registry.Kind, registry.TaskId);
    }

    public bool Includes(Registry.RegistryKind kind, string? taskId) =>
        kind == Registry.RegistryKind.Global ? Global : AllTasks || (taskId is { } id && TaskIds.Contains(id));
}
