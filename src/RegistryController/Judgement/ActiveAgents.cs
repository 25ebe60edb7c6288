using RegistryController.Registry;

namespace RegistryController.Judgement;

/// <summary>The one way active agents are counted: by status, across whatever task registries are given.</summary>
public static class ActiveAgents
{
    /// <summary>Unreadable registries (null) count for none.</summary>
    public static int Count(IEnumerable<RegistryModel?> tasks, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(options);
        return tasks.Sum(t => t?.Agents.Count(a => options.IsActive(a.Status)) ?? 0);
    }
}
