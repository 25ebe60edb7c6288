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
        ArgumentNullException.ThrowIfNull(options);
        var agentsByTask = new Dictionary<string, List<SqliteAgentRow>>(rows.Tasks.Length, StringComparer.Ordinal);
        foreach (var agent in rows.Agents)
        {
            if (!agentsByTask.TryGetValue(agent.TaskId, out var list))
            {
                agentsByTask[agent.TaskId] = list = [];
            }

            list.Add(agent);
        }

        // foreign_keys=ON keeps rows to known tasks, but a file written without it may hold agents of no task row.
        var taskIds = rows.Tasks.Select(t => t.TaskId).Concat(agentsByTask.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var registries = ImmutableArray.CreateBuilder<RegistrySnapshot>(agentsByTask.Count);
        foreach (var taskId in taskIds)
        {
            var agents = agentsByTask.GetValueOrDefault(taskId) ?? [];
            var records = ImmutableArray.CreateBuilder<AgentRecord>(agents.Count);
            foreach (var a in agents)
            {
                // Where the orchestrator's deploy puts them, relative to the task directory. Only an active agent's
                // files are ever looked at (the stuck rule); most rows are finished, and their paths would be 40,000
                // strings on a workspace of 20,000 agents.
                var active = options.IsActive(a.Status);
                records.Add(new AgentRecord(
                    a.AgentId,
                    records.Count,
                    a.Status,
                    a.TmuxSession,
                    a.StartedAt,
                    taskId,
                    LogFile: active ? $"logs/{a.AgentId}_stream.jsonl" : null,
                    ProgressFile: active ? $"progress/{a.AgentId}_progress.jsonl" : null,
                    CompletedAt: a.CompletedAt,
                    LastUpdate: a.LastUpdate,
                    ClaudePid: a.ClaudePid,
                    CursorPid: a.CursorPid));
            }

            var model = new RegistryModel(
                RegistryKind.Task,
                taskId,
                records.MoveToImmutable(),
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
