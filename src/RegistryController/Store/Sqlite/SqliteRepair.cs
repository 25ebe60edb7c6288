using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Store.Sqlite;

/// <summary>
/// What one repair of a 2026 workspace did. <see cref="Endings"/> are the endings the verdict approved, by task id;
/// <see cref="Applied"/> and <see cref="Superseded"/> the agents whose compare-and-set matched or lost (the
/// orchestrator's write stood); <see cref="AuditProblems"/> the applied agents whose progress line could not be written.
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
/// </summary>
internal static class SqliteRepair
{
    /// <summary>Applies the endings of <paramref name="tasks"/>; throws <see cref="SqliteStateException"/> with nothing written.</summary>
    public static async Task<SqliteRepairResult> ApplyAsync(SqliteStateStore store, string database, IEnumerable<RegistryVerdict> tasks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(tasks);
        var verdicts = tasks.Where(v => v.Registry.TaskId is not null && v.Plan is not null).ToList();
        // Under a holding guard the plans carry no EndAgent: nothing to write.
        var endings = verdicts.ToImmutableDictionary(v => v.Registry.TaskId!, v => v.Plan!.Edits.OfType<EndAgent>().ToImmutableArray(), StringComparer.Ordinal);
        var transitions = endings
            .SelectMany(p => p.Value.Select(end => new SqliteTransition(p.Key, end.AgentId, end.OldStatus, end.NewStatus, end.Timestamp, ProgressAudit.MessageFor(end))))
            .ToList();
        if (transitions.Count == 0)
        {
            return SqliteRepairResult.Nothing with { Endings = endings };
        }

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

    // After the row: the orchestrator appends its own line first, but a line for a write that then lost its
    // compare-and-set would tell its re-import an ending that never happened.
    private static string? Audit(RegistrySnapshot task, EndAgent end) => task.TaskDirectory is not { } directory
        ? $"{end.AgentId}: task id {task.TaskId} names no directory of the workspace; no progress line written"
        : !Directory.Exists(directory)
            ? $"{end.AgentId}: the task directory {directory} does not exist; no progress line written"
            : ProgressAudit.Append(directory, end, followArchive: false);
}
