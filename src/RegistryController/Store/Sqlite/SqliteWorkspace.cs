using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Store.Sqlite;

/// <summary>
/// The rows of one state database as the judgement sees a workspace: one task snapshot per task, its agents from
/// the rows and no counters (the 2026 orchestrator stores none: every count is a COUNT(*) of active rows), its
/// evidence in <c>&lt;workspace&gt;/&lt;task_id&gt;</c>, where the orchestrator names task directories by task id.
/// </summary>
internal static class SqliteWorkspace
{
    /// <summary>How a task of the database is named in reports: the database, then the task.</summary>
    public static string TaskPath(string databasePath, string taskId) => $"{databasePath}#{taskId}";

    /// <summary>The task snapshots, and each task's <c>task_config.max_concurrent</c> by task id.</summary>
    public static (WorkspaceSnapshot Workspace, ImmutableDictionary<string, int> MaxConcurrent) Snapshot(string root, SqliteSnapshot rows, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var agentsByTask = rows.Agents.GroupBy(a => a.TaskId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        // foreign_keys=ON keeps rows to known tasks, but a file written without it may hold agents of no task row.
        var taskIds = rows.Tasks.Select(t => t.TaskId).Concat(agentsByTask.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var registries = ImmutableArray.CreateBuilder<RegistrySnapshot>();
        foreach (var taskId in taskIds)
        {
            var agents = agentsByTask.GetValueOrDefault(taskId) ?? [];
            var model = new RegistryModel(
                RegistryKind.Task,
                taskId,
                [.. agents.Select((a, i) => new AgentRecord(
                    a.AgentId,
                    i,
                    a.Status,
                    a.TmuxSession,
                    a.StartedAt,
                    taskId,
                    // Where the orchestrator's deploy puts them, relative to the task directory (for stuck agents).
                    LogFile: $"logs/{a.AgentId}_stream.jsonl",
                    ProgressFile: $"progress/{a.AgentId}_progress.jsonl",
                    CompletedAt: a.CompletedAt,
                    LastUpdate: a.LastUpdate,
                    ClaudePid: a.ClaudePid,
                    CursorPid: a.CursorPid))],
                ActiveCount: null,
                TotalSpawned: null,
                CompletedCount: null);
            var snapshot = RegistrySnapshot.Read(TaskPath(rows.DatabasePath, taskId), RegistryKind.Task, taskId, model) with
            {
                TaskDirectory = TaskDirectory(root, taskId),
            };
            registries.Add(AgentActivityProbe.Probe(snapshot, root, options));
        }

        var maxConcurrent = rows.Tasks.ToImmutableDictionary(t => t.TaskId, t => t.MaxConcurrent, StringComparer.Ordinal);
        return (new WorkspaceSnapshot(root, registries.ToImmutable()), maxConcurrent);
    }

    /// <summary>
    /// <c>&lt;root&gt;/&lt;task_id&gt;</c>, or null when the id cannot name a directory of the workspace (a path, a
    /// dot name, the registry directory): then no evidence is read and no progress line written for its agents.
    /// </summary>
    public static string? TaskDirectory(string root, string taskId)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(taskId);
        return taskId.Length == 0
            || taskId is "." or ".." or RegistryDiscovery.GlobalRegistryDirectory
            || taskId.Contains('/', StringComparison.Ordinal)
            || taskId.Contains('\0', StringComparison.Ordinal)
            ? null
            : Path.Combine(root, taskId);
    }
}
