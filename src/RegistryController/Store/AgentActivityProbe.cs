using System.Collections.Immutable;
using Mono.Unix.Native;
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

            var latest = Later(LastWrite(agent.LogFile, taskDirectory, root), LastWrite(agent.ProgressFile, taskDirectory, root));
            if (latest is { } seen)
            {
                activity[agent.Id] = seen;
            }
        }

        return activity.Count == 0 ? snapshot : snapshot with { Activity = activity.ToImmutable() };
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null || b > a ? b : a;

    /// <summary>
    /// When a tracked file last changed: null unless it exists inside the workspace and is not a directory. One
    /// lstat(2), whose times <see cref="FileInfo"/> reports too (a link's own, never a target's, which may lie outside
    /// the workspace), without the object: the probe runs for every active agent of every pass.
    /// </summary>
    private static DateTimeOffset? LastWrite(string? file, string taskDirectory, string root)
    {
        if (file is null || file.Contains("${", StringComparison.Ordinal))
        {
            return null;
        }

        var full = Path.GetFullPath(file, taskDirectory);
        return full.StartsWith(root, StringComparison.Ordinal)
            && Syscall.lstat(full, out var stat) == 0
            && (stat.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFDIR
            ? DateTimeOffset.FromUnixTimeSeconds(stat.st_mtime).AddTicks(stat.st_mtime_nsec / TimeSpan.NanosecondsPerTick)
            : null;
    }
}
