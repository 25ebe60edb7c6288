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
        var models = tasks.ToArray();
        if (models.Length == 1)
        {
            return Count(models[0], options);
        }

        // Across the cores: a look at every agent's status, 20,000 of them on a large workspace, each a cache miss.
        var counts = new int[models.Length];
        Cores.For(models.Length, i => counts[i] = Count(models[i], options));
        return counts.Sum();
    }

    private static int Count(RegistryModel? task, ReconcileOptions options)
    {
        var count = 0;
        foreach (var agent in task?.Agents ?? [])
        {
            if (options.IsActive(agent.Status))
            {
                count++;
            }
        }

        return count;
    }
}
