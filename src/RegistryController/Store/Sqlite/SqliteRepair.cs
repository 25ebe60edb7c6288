using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Store.Sqlite;

/// <summary>
/// What one repair of a 2026 workspace did. <see cref="Endings"/> are the endings the verdict approved, by task id;
/// <see cref="Applied"/> and <see cref="Superseded"/> the agents whose compare-and-set matched or lost (the
/// orchestrator's write stood); <see cref="AuditProblems"/> the applied agents whose progress line could not be written.
/// <see cref="Completed"/> are the lines this repair appended for endings an earlier, interrupted repair had committed.
/// </summary>
internal sealed record SqliteRepairResult(
    ImmutableDictionary<string, ImmutableArray<EndAgent>> Endings,
    ImmutableHashSet<string> Applied,
    ImmutableHashSet<string> Superseded,
    ImmutableDictionary<string, string> AuditProblems,
    TimeSpan LockHeld)
{
    public static SqliteRepairResult Nothing { get; } = new(
        ImmutableDictionary<string, ImmutableArray<EndAgent>>.Empty, [], [], ImmutableDictionary<string, string>.Empty, TimeSpan.Zero);

    /// <summary>Lines appended for earlier endings left without one, by task id.</summary>
    public ImmutableDictionary<string, ImmutableArray<AuditedEnding>> Completed { get; init; } = ImmutableDictionary<string, ImmutableArray<AuditedEnding>>.Empty;

    /// <summary>Why the earlier endings could not be looked at (the repair itself stands), or null.</summary>
    public string? CompletionProblem { get; init; }

    public ImmutableArray<AuditedEnding> CompletedOf(string? taskId) =>
        taskId is not null && Completed.TryGetValue(taskId, out var lines) ? lines : [];

    /// <summary>The endings of one task that were written.</summary>
    public ImmutableArray<EndAgent> WrittenOf(string? taskId) =>
        [.. EndingsOf(taskId).Where(e => Applied.Contains(e.AgentId))];

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
internal static class SqliteRepair
{
    /// <summary>Applies the endings of <paramref name="tasks"/>; throws <see cref="SqliteStateException"/> with nothing written.</summary>
    /// <param name="completeEarlier">Also append the lines earlier endings of these tasks lack (see the class).</param>
    public static async Task<SqliteRepairResult> ApplyAsync(SqliteStateStore store, string database, IEnumerable<RegistryVerdict> tasks, bool completeEarlier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(tasks);
        var verdicts = tasks.Where(v => v.Registry.TaskId is not null && v.Plan is not null).ToList();
        // Under a holding guard the plans carry no EndAgent: nothing to write.
        var endings = verdicts.ToImmutableDictionary(v => v.Registry.TaskId!, v => v.Plan!.Edits.OfType<EndAgent>().ToImmutableArray(), StringComparer.Ordinal);
        var transitions = endings
            .SelectMany(p => p.Value.Select(end => new SqliteTransition(p.Key, end.AgentId, end.OldStatus, end.NewStatus, end.Timestamp, ProgressAudit.MessageFor(end))))
            .ToList();
        var result = transitions.Count == 0
            ? SqliteRepairResult.Nothing with { Endings = endings }
            : await WriteAsync(store, database, verdicts, endings, transitions, cancellationToken);
        return completeEarlier ? await CompleteAsync(store, database, verdicts, result, cancellationToken) : result;
    }

    private static async Task<SqliteRepairResult> WriteAsync(
        SqliteStateStore store,
        string database,
        List<RegistryVerdict> verdicts,
        ImmutableDictionary<string, ImmutableArray<EndAgent>> endings,
        List<SqliteTransition> transitions,
        CancellationToken cancellationToken)
    {
        var result = await store.ApplyAsync(database, transitions, cancellationToken);
        var applied = result.Applied.Select(t => t.AgentId).ToImmutableHashSet(StringComparer.Ordinal);
        var audits = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var verdict in verdicts)
        {
            foreach (var end in endings[verdict.Registry.TaskId!].Where(e => applied.Contains(e.AgentId)))
            {
                if (Audit(verdict.Registry, end) is { } problem)
                {
                    audits[end.AgentId] = problem;
                }
            }
        }

        return new SqliteRepairResult(endings, applied, result.Superseded.Select(t => t.AgentId).ToImmutableHashSet(StringComparer.Ordinal), audits.ToImmutable(), result.LockHeld);
    }

    /// <summary>
    /// The endings of <paramref name="verdicts"/>' tasks that are ours and still stand, each given its line unless its
    /// file holds it already. Only after our own commit, so a line is only ever for an ending that happened.
    /// </summary>
    private static async Task<SqliteRepairResult> CompleteAsync(SqliteStateStore store, string database, List<RegistryVerdict> verdicts, SqliteRepairResult result, CancellationToken cancellationToken)
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
            if (result.Applied.Contains(ending.AgentId) || directories.GetValueOrDefault(taskId) is not { } directory || !Directory.Exists(directory))
            {
                continue;
            }

            if (ProgressAudit.AppendOnce(directory, ending, out var appended) is { } problem)
            {
                audits[ending.AgentId] = problem;
            }
            else if (appended)
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
    private static string? Audit(RegistrySnapshot task, EndAgent end) => task.TaskDirectory is not { } directory
        ? $"{end.AgentId}: task id {task.TaskId} names no directory of the workspace; no progress line written"
        : !Directory.Exists(directory)
            ? $"{end.AgentId}: the task directory {directory} does not exist; no progress line written"
            : ProgressAudit.AppendOnce(directory, new AuditedEnding(end.AgentId, end.NewStatus, end.Timestamp, ProgressAudit.MessageFor(end)), out _);
}
