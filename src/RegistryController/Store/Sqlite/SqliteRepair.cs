using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Registry;

namespace RegistryController.Store.Sqlite;

/// <summary>
/// One agent of one task: how a repair's outcomes are keyed. The orchestrator's schema makes <c>agents.agent_id</c> the
/// primary key, but its <c>agent_progress_latest</c> is keyed by (task, agent), and so is our compare-and-set
/// (<c>WHERE task_id = ? AND agent_id = ?</c>): an outcome belongs to the task the transition named.
/// </summary>
internal readonly record struct TaskAgent(string TaskId, string AgentId);

/// <summary>
/// What one repair of a 2026 workspace did. <see cref="Endings"/> are the endings the verdict approved, by task id;
/// <see cref="Applied"/> and <see cref="Superseded"/> the agents whose compare-and-set matched or lost (the
/// orchestrator's write stood); <see cref="AuditProblems"/> the agents whose progress line could not be written.
/// <see cref="Completed"/> are the lines this repair appended for endings an earlier, interrupted repair had committed.
/// </summary>
internal sealed record SqliteRepairResult(
    ImmutableDictionary<string, ImmutableArray<EndAgent>> Endings,
    ImmutableHashSet<TaskAgent> Applied,
    ImmutableHashSet<TaskAgent> Superseded,
    ImmutableDictionary<TaskAgent, string> AuditProblems,
    TimeSpan LockHeld)
{
    public static SqliteRepairResult Nothing { get; } = new(
        ImmutableDictionary<string, ImmutableArray<EndAgent>>.Empty, [], [], ImmutableDictionary<TaskAgent, string>.Empty, TimeSpan.Zero);

    /// <summary>Lines appended for earlier endings left without one, by task id.</summary>
    public ImmutableDictionary<string, ImmutableArray<AuditedEnding>> Completed { get; init; } = ImmutableDictionary<string, ImmutableArray<AuditedEnding>>.Empty;

    /// <summary>Why the earlier endings could not be looked at (the repair itself stands), or null.</summary>
    public string? CompletionProblem { get; init; }

    public ImmutableArray<AuditedEnding> CompletedOf(string? taskId) =>
        taskId is not null && Completed.TryGetValue(taskId, out var lines) ? lines : [];

    /// <summary>The endings of one task that were written.</summary>
    public ImmutableArray<EndAgent> WrittenOf(string? taskId) =>
        [.. EndingsOf(taskId).Where(e => Applied.Contains(new TaskAgent(taskId!, e.AgentId)))];

    /// <summary>The endings of one task whose compare-and-set lost: the orchestrator's write stood.</summary>
    public ImmutableArray<string> SupersededOf(string? taskId) =>
        [.. EndingsOf(taskId).Where(e => Superseded.Contains(new TaskAgent(taskId!, e.AgentId))).Select(e => e.AgentId)];

    public ImmutableArray<EndAgent> EndingsOf(string? taskId) =>
        taskId is not null && Endings.TryGetValue(taskId, out var ends) ? ends : [];
}

/// <summary>
/// The repair of a 2026 workspace, one rule for the one-shot pass and for <c>run</c>: the endings a verdict approved
/// become compare-and-set transitions applied in one <c>BEGIN IMMEDIATE</c> transaction, then a terminal progress
/// line per ending written, so that the orchestrator's re-import (which reads the last progress line) keeps it.
/// A repair killed between its commit and its lines leaves rows ended without their line, which that re-import would
/// take back: the next repair finds those endings (still ours in the database, see
/// <see cref="SqliteStateStore.ReadOwnEndingsAsync"/>) and appends each missing line, never one twice.
/// </summary>
/// <remarks>
/// Where a line goes, from the orchestrator's code at d746b7e:
/// <list type="bullet">
/// <item>Never into a task directory that is gone: the orchestrator writes nothing for a task it cannot find
/// (<c>find_task_workspace</c>), and neither do we.</item>
/// <item>An ending's first line (right after our commit) goes to <c>progress/&lt;id&gt;_progress.jsonl</c>, making it
/// and <c>progress/</c> if need be, as the orchestrator's own <c>update_agent_progress</c> and <c>kill_real_agent</c>
/// do (<c>os.makedirs(..., exist_ok=True)</c>, <c>open('a')</c>; the latter even after its clean-up archived the file).</item>
/// <item>An agent the re-import reads (its task's <c>AGENT_REGISTRY.json</c> lists it, see <see cref="OrchestratorReimport"/>):
/// only <c>progress/</c> counts, since the re-import never reads <c>archive/</c>; a line only there, or no file at
/// all, lets the re-import take the ending back, so the line is appended to (or makes) <c>progress/</c>.</item>
/// <item>Any other agent (a 2026 task, whose registry lists none): a line in <c>archive/</c> counts, and an earlier
/// ending's missing line is appended only to an existing <c>progress/</c> file. A file that is gone was removed by
/// the clean-up (<c>cleanup_agent_resources</c> archives it, or deletes it when archiving fails or
/// <c>keep_logs=False</c>) or by a person: nothing of the orchestrator reads it again, so it is not made again.</item>
/// </list>
/// </remarks>
internal static class SqliteRepair
{
    /// <summary>Applies the endings of <paramref name="tasks"/>; throws <see cref="SqliteStateException"/> with nothing written.</summary>
    /// <param name="completeEarlier">Also append the lines earlier endings of these tasks lack (see the class).</param>
    /// <param name="locks">How long a progress file's flock is waited for (the <c>Lock:*</c> bound).</param>
    public static async Task<SqliteRepairResult> ApplyAsync(SqliteStateStore store, string database, IEnumerable<RegistryVerdict> tasks, bool completeEarlier, LockRetry locks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(locks);
        var verdicts = tasks.Where(v => v.Registry.TaskId is not null && v.Plan is not null).ToList();
        // Under a holding guard the plans carry no EndAgent: nothing to write.
        var endings = verdicts.ToImmutableDictionary(v => v.Registry.TaskId!, v => v.Plan!.Edits.OfType<EndAgent>().ToImmutableArray(), StringComparer.Ordinal);
        var transitions = endings
            .SelectMany(p => p.Value.Select(end => new SqliteTransition(p.Key, end.AgentId, end.OldStatus, end.NewStatus, end.Timestamp, ProgressAudit.MessageFor(end))))
            .ToList();
        var reimported = new Dictionary<string, ImmutableHashSet<string>?>(StringComparer.Ordinal);
        var result = transitions.Count == 0
            ? SqliteRepairResult.Nothing with { Endings = endings }
            : await WriteAsync(store, database, verdicts, endings, transitions, locks, reimported, cancellationToken);
        return completeEarlier ? await CompleteAsync(store, database, verdicts, result, locks, reimported, cancellationToken) : result;
    }

    private static async Task<SqliteRepairResult> WriteAsync(
        SqliteStateStore store,
        string database,
        List<RegistryVerdict> verdicts,
        ImmutableDictionary<string, ImmutableArray<EndAgent>> endings,
        List<SqliteTransition> transitions,
        LockRetry locks,
        Dictionary<string, ImmutableHashSet<string>?> reimported,
        CancellationToken cancellationToken)
    {
        var result = await store.ApplyAsync(database, transitions, cancellationToken);
        var applied = result.Applied.Select(t => new TaskAgent(t.TaskId, t.AgentId)).ToImmutableHashSet();
        var audits = ImmutableDictionary.CreateBuilder<TaskAgent, string>();
        foreach (var verdict in verdicts)
        {
            var taskId = verdict.Registry.TaskId!;
            foreach (var end in endings[taskId].Where(e => applied.Contains(new TaskAgent(taskId, e.AgentId))))
            {
                if (await AuditAsync(verdict.Registry, end, locks, reimported, cancellationToken) is { } problem)
                {
                    audits[new TaskAgent(taskId, end.AgentId)] = problem;
                }
            }
        }

        var superseded = result.Superseded.Select(t => new TaskAgent(t.TaskId, t.AgentId)).ToImmutableHashSet();
        return new SqliteRepairResult(endings, applied, superseded, audits.ToImmutable(), result.LockHeld);
    }

    /// <summary>
    /// The endings of <paramref name="verdicts"/>' tasks that are ours and still stand, each given its line unless its
    /// file holds it already. Only after our own commit, so a line is only ever for an ending that happened.
    /// </summary>
    private static async Task<SqliteRepairResult> CompleteAsync(
        SqliteStateStore store,
        string database,
        List<RegistryVerdict> verdicts,
        SqliteRepairResult result,
        LockRetry locks,
        Dictionary<string, ImmutableHashSet<string>?> reimported,
        CancellationToken cancellationToken)
    {
        ImmutableArray<SqliteOwnEnding> own;
        try
        {
            own = await store.ReadOwnEndingsAsync(database, cancellationToken);
        }
        catch (SqliteStateException e)
        {
            return result with { CompletionProblem = e.Problem };
        }

        var directories = verdicts.ToDictionary(v => v.Registry.TaskId!, v => v.Registry.TaskDirectory, StringComparer.Ordinal);
        var audits = result.AuditProblems.ToBuilder();
        var completed = new Dictionary<string, ImmutableArray<AuditedEnding>.Builder>(StringComparer.Ordinal);
        foreach (var (taskId, ending) in own)
        {
            // This repair's own lines are written already; a task out of scope, or without a directory to hold a
            // line (said when its ending was written), is left alone.
            var key = new TaskAgent(taskId, ending.AgentId);
            if (result.Applied.Contains(key) || directories.GetValueOrDefault(taskId) is not { } directory || !Directory.Exists(directory))
            {
                continue;
            }

            var reimports = MayReimport(reimported, directory, ending.AgentId);
            var append = await ProgressAudit.AppendOnceAsync(directory, ending, new ProgressRule(ArchiveCounts: !reimports, MayCreate: reimports), locks, cancellationToken);
            if (append.Problem is { } problem)
            {
                audits[key] = problem;
            }
            else if (append.Written)
            {
                (completed.TryGetValue(taskId, out var lines) ? lines : completed[taskId] = ImmutableArray.CreateBuilder<AuditedEnding>()).Add(ending);
            }
        }

        return result with
        {
            AuditProblems = audits.ToImmutable(),
            Completed = completed.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutable(), StringComparer.Ordinal),
        };
    }

    // After the row: the orchestrator appends its own line first, but a line for a write that then lost its
    // compare-and-set would tell its re-import an ending that never happened.
    private static async Task<string?> AuditAsync(RegistrySnapshot task, EndAgent end, LockRetry locks, Dictionary<string, ImmutableHashSet<string>?> reimported, CancellationToken cancellationToken)
    {
        if (task.TaskDirectory is not { } directory)
        {
            return $"{end.AgentId}: task id {task.TaskId} names no directory of the workspace; no progress line written";
        }

        if (!Directory.Exists(directory))
        {
            return $"{end.AgentId}: the task directory {directory} does not exist; no progress line written";
        }

        var rule = new ProgressRule(ArchiveCounts: !MayReimport(reimported, directory, end.AgentId), MayCreate: true);
        var ending = new AuditedEnding(end.AgentId, end.NewStatus, end.Timestamp, ProgressAudit.MessageFor(end));
        return (await ProgressAudit.AppendOnceAsync(directory, ending, rule, locks, cancellationToken)).Problem;
    }

    // Read once per task and repair: a task registry is read only for tasks with a line to write. One that cannot be
    // read here may still be read by the orchestrator: its agents are taken as re-imported (an extra line is harmless,
    // a repair the re-import undoes is not).
    private static bool MayReimport(Dictionary<string, ImmutableHashSet<string>?> cache, string directory, string agentId)
    {
        if (!cache.TryGetValue(directory, out var ids))
        {
            ids = cache[directory] = OrchestratorReimport.AgentsOf(directory);
        }

        return ids is null || ids.Contains(agentId);
    }
}
