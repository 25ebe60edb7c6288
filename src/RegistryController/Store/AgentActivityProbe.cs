using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Store;

/// <summary>
/// Reads when each active agent's tracked files (<c>tracked_files.log_file</c>, <c>progress_file</c>)
/// last changed. Paths are taken relative to the task directory unless absolute, and only inside
/// the workspace; a file that does not exist says nothing.
/// </summary>
internal static class AgentActivityProbe
{
    public static RegistrySnapshot Probe(RegistrySnapshot snapshot, string workspaceRoot, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        if (snapshot is not { Kind: RegistryKind.Task, Model: { } model, TaskDirectory: { } taskDirectory } || options.StuckAfter is null)
        {
            return snapshot;
        }

        var root = Path.GetFullPath(workspaceRoot).TrimEnd('/') + "/";
        var activity = ImmutableDictionary.CreateBuilder<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var agent in model.Agents)
        {
            if (!options.IsActive(agent.Status))
            {
                continue;
            }

            DateTimeOffset? latest = null;
            foreach (var file in new[] { agent.LogFile, agent.ProgressFile })
            {
                if (file is null || file.Contains("${", StringComparison.Ordinal))
                {
                    continue;
                }

                var full = Path.GetFullPath(file, taskDirectory);
                if (!full.StartsWith(root, StringComparison.Ordinal))
                {
                    continue;
                }

                var info = new FileInfo(full);
                if (info.Exists && (latest is null || info.LastWriteTimeUtc > latest))
                {
                    latest = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
                }
            }

            if (latest is { } seen)
            {
                activity[agent.Id] = seen;
            }
        }

        return activity.Count == 0 ? snapshot : snapshot with { Activity = activity.ToImmutable() };
    }
}
