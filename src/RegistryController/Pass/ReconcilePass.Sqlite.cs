using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using RegistryController.Judgement;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Store.Sqlite;
using RegistryController.Tmux;

namespace RegistryController.Pass;

/// <summary>
/// The one-shot pass over a 2026 workspace: the same judgement, fed from one read transaction of
/// <c>registry/state.sqlite3</c>; the repair is one compare-and-set transaction for every task, then a progress line
/// per ending written. The JSON registries are never written here: the 2026 orchestrator keeps its state in SQLite,
/// and its re-import of adopted 2025 tasks reads their progress files, which the audit line keeps true.
/// </summary>
public sealed partial class ReconcilePass
{

    private async Task<PassReport> RunSqliteAsync(string root, ReconcileScope scope, PassMode mode, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var database = StateLayouts.DatabasePath(root);
        var viewTask = _tmux.GetViewAsync(cancellationToken);
        SqliteSnapshot rows;
        try
        {
            rows = await _sqlite.ReadAsync(database, cancellationToken, _options.ActiveStatuses);
        }
        catch (SqliteStateException e)
        {
            return Unreadable(root, e, await viewTask, mode, stopwatch.Elapsed);
        }

        var (workspace, maxConcurrent) = SqliteWorkspace.Snapshot(root, rows, _options);
        var spans = new ConcurrentDictionary<string, Activity>(StringComparer.Ordinal);
        foreach (var task in workspace.Registries.Where(scope.Includes))
        {
            if (ReconcileTelemetry.Start(new RegistryLocation(root, task.Path, task.Kind, task.TaskId), "cli", mode != PassMode.Repair) is { } span)
            {
                spans[task.Path] = span;
            }
        }

        Activity.Current = null;
        var view = await viewTask;
        var clock = ClockReading.From(_time);
        workspace = AgentEvidenceProbe.Probe(workspace, view, clock, _options, ProcProcessTable.Instance);
        var verdict = Reconciler.Judge(workspace, view, clock, _options, scope);
        verdict = verdict with { Registries = [.. verdict.Registries.Select(v => WithSlots(v, maxConcurrent))] };
        verdict = await WithOrphansAsync(root, workspace, verdict, clock, cancellationToken);

        var outcomes = mode == PassMode.Repair && view.CanJudgeLiveness
            ? await RepairSqliteAsync(database, verdict, cancellationToken)
            : [.. verdict.Registries.Select(v => Unwritten(v, mode))];
        EndSpans(root, spans, verdict, outcomes, stopwatch.Elapsed);
        return new PassReport(mode, verdict, outcomes, stopwatch.Elapsed) { Layout = StateLayout.Sqlite2026 };
    }

    // Nothing could be judged: the database itself is the one entry of the report, with its problem; no orphan is
    // listed, since any session might be named by a row we could not read.
    private static PassReport Unreadable(string root, SqliteStateException e, TmuxView view, PassMode mode, TimeSpan duration)
    {
        var registry = RegistrySnapshot.Failed(e.DatabasePath, RegistryKind.Task, null, e.Problem);
        var entry = new RegistryVerdict(registry, null);
        var verdict = new WorkspaceVerdict(root, view, [entry], [], false, new GuardDecision(false, false, 0, 0));
        return new PassReport(mode, verdict, [new RegistryOutcome(entry, null, [], false, e.Problem)], duration) { Layout = StateLayout.Sqlite2026 };
    }

    /// <summary>
    /// The orchestrator's own symptom, per task: how many of its <c>max_concurrent</c> slots active rows hold, and how
    /// many of those are zombies. Said only when zombies hold slots or the task is full (it then refuses new agents).
    /// </summary>
    private RegistryVerdict WithSlots(RegistryVerdict verdict, ImmutableDictionary<string, int> maxConcurrent)
    {
        if (verdict is not { Plan: { } plan, Registry: { Model: { } model, TaskId: { } taskId } } || !maxConcurrent.TryGetValue(taskId, out var max))
        {
            return verdict;
        }

        var held = ActiveAgents.Count([model], _options);
        var zombies = plan.Zombies.Length;
        if (zombies == 0 && held < max)
        {
            return verdict;
        }

        var message = $"task {taskId}: {held} of {max} slots held"
            + (zombies > 0 ? $", {zombies} by zombie{(zombies == 1 ? "" : "s")}" : string.Empty)
            + (held >= max ? " (full: the orchestrator refuses new agents, \"Too many active agents\")" : string.Empty);
        return verdict with { Plan = plan with { Findings = plan.Findings.Add(new Finding(Severity.Info, FindingCodes.SlotsHeld, message)) } };
    }

    /// <summary>Orphans by the rule of a sqlite-2026 workspace (<see cref="Sqlite2026Orphans"/>), its JSON read whole when asked.</summary>
    private async Task<WorkspaceVerdict> WithOrphansAsync(string root, WorkspaceSnapshot workspace, WorkspaceVerdict verdict, ClockReading clock, CancellationToken cancellationToken)
    {
        var (orphans, complete) = await Sqlite2026Orphans.FindAsync(verdict.Tmux, Reconciler.NamedSessions(workspace, verdict.Tmux).Contains, clock, _options.Grace, [ReadJsonNamesAsync], cancellationToken);
        complete &= verdict.Tmux.Status is TmuxViewStatus.Listed or TmuxViewStatus.NoServer;
        return verdict with { Orphans = orphans, OrphansComplete = complete };

        async Task<(IReadOnlySet<string>, bool)> ReadJsonNamesAsync(IReadOnlySet<string> unnamed, CancellationToken ct)
        {
            var json = await new WorkspaceReader(_store, _options).ReadAsync(root, null, ct);
            return (Reconciler.NamedSessions(json), json.Registries.All(r => r.Model is not null));
        }
    }

    // Lines this pass appended for endings an earlier, interrupted repair committed, and those it could not: said as
    // findings of their task (this pass's own endings carry their problems in their outcome).
    private static RegistryVerdict WithCompleted(RegistryVerdict verdict, SqliteRepairResult result, bool first)
    {
        var taskId = verdict.Registry.TaskId;
        var lines = result.CompletedOf(taskId);
        var problem = result.CompletionProblem is { } p && first
            ? [new Finding(Severity.Medium, FindingCodes.AuditLineCompleted, $"earlier endings not looked at for missing progress lines: {p}")]
            : ImmutableArray<Finding>.Empty;
        var unwritten = result.AuditProblems
            .Where(a => a.Key.TaskId == taskId && !result.Applied.Contains(a.Key))
            .OrderBy(a => a.Key.AgentId, StringComparer.Ordinal)
            .Select(a => new Finding(Severity.Medium, FindingCodes.AuditLineCompleted, $"{a.Key.AgentId}: its terminal progress line, missing since an earlier repair, still not written: {a.Value}"))
            .ToImmutableArray();
        return verdict.Plan is not { } plan || (lines.IsEmpty && problem.IsEmpty && unwritten.IsEmpty)
            ? verdict
            : verdict with
            {
                Plan = plan with
                {
                    Findings = plan.Findings
                        .AddRange(lines.Select(l => new Finding(Severity.Info, FindingCodes.AuditLineCompleted, $"{l.AgentId}: its terminal progress line ({l.Status}), missing since an earlier repair was interrupted after its commit, appended")))
                        .AddRange(unwritten)
                        .AddRange(problem),
                },
            };
    }

    private async Task<ImmutableArray<RegistryOutcome>> RepairSqliteAsync(string database, WorkspaceVerdict verdict, CancellationToken cancellationToken)
    {
        SqliteRepairResult result;
        try
        {
            result = await SqliteRepair.ApplyAsync(_sqlite, database, verdict.Registries, completeEarlier: true, _progressLocks, cancellationToken);
        }
        catch (SqliteStateException e)
        {
            // One transaction: nothing of it was written, so every task that had an ending says why.
            return [.. verdict.Registries.Select(v => v.Plan?.Edits.OfType<EndAgent>().Any() == true
                ? new RegistryOutcome(v, v.Plan.Before, [], false, e.Problem)
                : Unwritten(v, PassMode.Repair))];
        }

        // A problem looking at earlier endings is said once, with the first task.
        var first = verdict.Registries.FirstOrDefault(v => v.Plan is not null);
        return [.. verdict.Registries.Select(v => WithCompleted(v, result, ReferenceEquals(v, first))).Select(v =>
        {
            var ends = result.EndingsOf(v.Registry.TaskId);
            if (ends.IsEmpty)
            {
                return Unwritten(v, PassMode.Repair);
            }

            var written = result.WrittenOf(v.Registry.TaskId);
            return new RegistryOutcome(v, v.Plan!.After, [.. written], !written.IsEmpty, null)
            {
                AuditProblems = [.. written.Select(e => result.AuditProblems.GetValueOrDefault(new TaskAgent(v.Registry.TaskId!, e.AgentId))).OfType<string>()],
                Superseded = result.SupersededOf(v.Registry.TaskId),
            };
        })];
    }
}
