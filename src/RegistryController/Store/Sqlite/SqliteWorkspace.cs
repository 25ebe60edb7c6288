using System.Collections.Immutable;
using System.Runtime.InteropServices;
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
        // The rows come by task (ORDER BY task_id): each task's agents are one run of them.
        var runs = new Dictionary<string, (int Start, int Length)>(rows.Tasks.Length, StringComparer.Ordinal);
        for (var start = 0; start < rows.Agents.Length;)
        {
            var taskId = rows.Agents[start].TaskId!;
            var end = start + 1;
            while (end < rows.Agents.Length && string.Equals(rows.Agents[end].TaskId, taskId, StringComparison.Ordinal))
            {
                end++;
            }

            // Two runs of one id: ids whose bytes differ but read alike (invalid UTF-8 decodes to the same U+FFFD).
            // Their agents are gathered one by one below, as one task, as the orchestrator's Python would see them.
            runs[taskId] = runs.ContainsKey(taskId) ? (-1, 0) : (start, end - start);
            start = end;
        }

        // foreign_keys=ON keeps rows to known tasks, but a file written without it may hold agents of no task row.
        var taskIds = rows.Tasks.Select(t => t.TaskId).Concat(runs.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        // Each task on its own rows alone (its active agents' files looked at), so across the cores, as the plans are.
        var registries = new RegistrySnapshot[taskIds.Length];
        Cores.For(taskIds.Length, i => registries[i] = TaskSnapshot(root, rows, taskIds[i], runs.GetValueOrDefault(taskIds[i]), options));
        var maxConcurrent = rows.Tasks.ToImmutableDictionary(t => t.TaskId, t => t.MaxConcurrent, StringComparer.Ordinal);
        return (new WorkspaceSnapshot(root, ImmutableCollectionsMarshal.AsImmutableArray(registries)), maxConcurrent);
    }

    /// <summary>One task's snapshot, from its run of the rows (or, for an id read alike from two runs, gathered one by one).</summary>
    private static RegistrySnapshot TaskSnapshot(string root, SqliteSnapshot rows, string taskId, (int Start, int Length) run, ReconcileOptions options)
    {
        var (start, length) = run;
        ReadOnlySpan<AgentRecord> agents = start >= 0
            ? rows.Agents.AsSpan(start, length)
            : [.. rows.Agents.Where(a => string.Equals(a.TaskId, taskId, StringComparison.Ordinal)).Select((a, i) => a with { Index = i })];
        var records = ImmutableArray.CreateBuilder<AgentRecord>(agents.Length);
        foreach (var a in agents)
        {
            // Where the orchestrator's deploy puts them, relative to the task directory. Only an active agent's
            // files are ever looked at (the stuck rule); most rows are finished, and their paths would be 40,000
            // strings on a workspace of 20,000 agents.
            records.Add(options.IsActive(a.Status)
                ? a with { LogFile = $"logs/{a.Id}_stream.jsonl", ProgressFile = $"progress/{a.Id}_progress.jsonl" }
                : a);
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
        return AgentActivityProbe.Probe(snapshot, root, options);
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
