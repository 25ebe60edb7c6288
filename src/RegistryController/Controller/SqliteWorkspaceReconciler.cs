using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RegistryController.Cluster;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Store.Sqlite;
using RegistryController.Telemetry;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// Reconciles a 2026 workspace, whose key is its state database: one read transaction judges every task against
/// the latest tmux view, and one <c>BEGIN IMMEDIATE</c> compare-and-set transaction repairs, as the one-shot pass
/// does (<see cref="SqliteRepair"/>), so a concurrent orchestrator write always wins. Level-triggered like the JSON
/// reconciler: its own commit wakes it again (a WAL change) and finds nothing to do.
/// </summary>
public sealed partial class SqliteWorkspaceReconciler(
    TmuxViewCache views,
    WorkspaceCaches caches,
    ReconcileOptions reconcileOptions,
    ControllerOptions controllerOptions,
    SqliteStoreOptions sqliteOptions,
    WorkspaceReader reader,
    TimeProvider time,
    ILogger<SqliteWorkspaceReconciler> logger,
    IEventSink? events = null,
    ILeadership? leadership = null,
    LockOptions? lockOptions = null)
{
    private readonly SqliteStateStore _store = new(sqliteOptions);

    // A progress file's flock is waited for within the registries' Lock:* bound, on the real clock.
    private readonly LockRetry _progressLocks = new(lockOptions ?? new LockOptions());
    private readonly IEventSink _events = events ?? NullEventSink.Instance;
    private readonly ILeadership _leadership = leadership ?? AlwaysLeader.Instance;
    private readonly WorkspaceGuard _guard = new(controllerOptions, events ?? NullEventSink.Instance, logger);

    // The last problem said per database: an unreadable file is retried with back-off, and said again only when
    // its problem changes (the retry line still says each failure).
    private readonly ConcurrentDictionary<string, string> _lastProblem = new(StringComparer.Ordinal);

    // The progress-line problems last said per workspace, so that one that persists is said once, not every reconcile.
    private readonly ConcurrentDictionary<string, LineProblems> _lineProblems = new(StringComparer.Ordinal);

    // Databases whose earlier endings have all been given their progress lines by this process (SqliteRepair).
    private readonly ConcurrentDictionary<string, bool> _completedEarlier = new(StringComparer.Ordinal);

    /// <summary>One reconcile of the whole database, traced as the root of its own trace, linked to its causes.</summary>
    public async Task<ReconcileResult> ReconcileAsync(RegistryLocation key, IReadOnlyCollection<Trigger> triggers, IReadOnlyList<ActivityContext> causes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(triggers);
        using var activity = ReconcileTelemetry.Start(key, string.Join(',', triggers.Select(t => t.ToString().ToLowerInvariant()).Order(StringComparer.Ordinal)), dryRun: false, causes);
        var started = time.GetTimestamp();
        (ReconcileResult Result, int? Orphans) done;
        try
        {
            done = await ReconcileCoreAsync(key, activity, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RegistryTelemetry.Fail(activity, ex);
            Record(key, activity, ReconcileResult.Failed(ex.Message), null, time.GetElapsedTime(started));
            throw;
        }

        Record(key, activity, done.Result, done.Orphans, time.GetElapsedTime(started));
        return done.Result;
    }

    private static void Record(RegistryLocation key, Activity? activity, ReconcileResult r, int? orphans, TimeSpan duration) =>
        ReconcileTelemetry.Record(key, activity, r.Outcome, r.Zombies, r.Ended, r.Before, r.After, r.GuardHeld, r.Error, duration, orphans);

    private async Task<(ReconcileResult, int?)> ReconcileCoreAsync(RegistryLocation key, Activity? activity, CancellationToken cancellationToken)
    {
        var cache = caches.For(key.WorkspaceRoot);
        var (workspace, problem) = await ReadAsync(key, cache, cancellationToken);
        if (workspace is null)
        {
            return (ReconcileResult.Failed(problem!), null);
        }

        var timed = await views.GetAsync(controllerOptions.ScanInterval, cancellationToken);
        ReconcileTelemetry.LinkView(activity, timed.View);
        var before = Active(workspace);
        if (!timed.View.CanJudgeLiveness)
        {
            // A broken view writes nothing at all; the next scan requeues everything.
            return (Held(before, [], $"tmux view broken: {timed.View.Detail}"), null);
        }

        var (clock, probed, verdict) = Judge(workspace, timed.View);
        if (verdict.Registries.Any(v => v.Plan?.Zombies.IsEmpty == false) && clock.Now - timed.TakenAt > controllerOptions.MaxViewAgeForTermination)
        {
            // Never terminate on an old look: take a new one and judge again.
            timed = await views.RefreshAsync(cancellationToken);
            ReconcileTelemetry.LinkView(activity, timed.View);
            if (!timed.View.CanJudgeLiveness)
            {
                return (Held(before, Zombies(verdict), $"tmux view broken: {timed.View.Detail}"), null);
            }

            (clock, probed, verdict) = Judge(workspace, timed.View);
        }

        var (orphans, _) = await Sqlite2026Orphans.FindAsync(
            timed.View,
            Reconciler.NamedSessions(workspace, timed.View).Contains,
            clock,
            reconcileOptions.Grace,
            [(unnamed, ct) => cache.Adopted.GetAsync(unnamed, c => reader.ReadAsync(key.WorkspaceRoot, null, c), ct)],
            cancellationToken);
        return (await RepairAsync(key, probed, verdict, timed.View, clock, cache, cancellationToken), orphans.Length);
    }

    private async Task<ReconcileResult> RepairAsync(RegistryLocation key, WorkspaceSnapshot workspace, WorkspaceVerdict verdict, TmuxView view, ClockReading clock, WorkspaceCache cache, CancellationToken cancellationToken)
    {
        var zombies = Zombies(verdict);
        var step = _guard.Observe(cache, verdict, view, clock.Now);
        if (step.Phase == GuardPhase.Proceeding && verdict.Guard.Holds)
        {
            // The same verdict has stood for the hold: what the guard held back now goes ahead.
            verdict = Reconciler.Judge(workspace, view, clock, reconcileOptions with { Force = true }, ReconcileScope.Everything);
        }

        var held = step.Phase == GuardPhase.Holding && !zombies.IsEmpty;
        var requeueAfter = new[] { held ? step.Remaining : null }
            .Concat(workspace.Registries.Select(r => r.Model is { } m ? RegistryReconciler.GraceEndsIn(m, view, clock, reconcileOptions) : null))
            .Where(t => t is not null)
            .Min();
        var before = Active(workspace);
        // Earlier endings are looked at once per database in this process (a repair killed between its commit and
        // its lines was another process), and again after a pass whose lines could not all be written.
        var complete = !_completedEarlier.ContainsKey(key.Path);
        if ((!complete && !verdict.Registries.Any(v => v.Plan?.Edits.OfType<EndAgent>().Any() == true)) || !_leadership.IsLeader)
        {
            // Followers judge (for health and metrics) but never write.
            return new ReconcileResult(held ? ReconcileOutcome.Held : ReconcileOutcome.Noop, zombies, [], before, before, held, requeueAfter, null);
        }

        SqliteRepairResult repair;
        try
        {
            repair = await SqliteRepair.ApplyAsync(_store, key.Path, verdict.Registries, complete, _progressLocks, cancellationToken);
        }
        catch (SqliteStateException e)
        {
            Said(e.DatabasePath, e.Problem);
            return ReconcileResult.Failed(e.Message) with { Zombies = zombies, Before = before };
        }

        if (repair.AuditProblems.IsEmpty && repair.CompletionProblem is null)
        {
            _completedEarlier.TryAdd(key.Path, true);
        }
        else
        {
            _completedEarlier.TryRemove(key.Path, out _);
        }

        var ended = Report(key.Path, verdict, repair);
        return new ReconcileResult(
            ended.IsEmpty ? (held ? ReconcileOutcome.Held : ReconcileOutcome.Noop) : ReconcileOutcome.Repaired,
            zombies,
            ended,
            before,
            before with { Active = before.Active - ended.Length },
            held,
            requeueAfter,
            null);
    }

    private async Task<(WorkspaceSnapshot? Workspace, string? Problem)> ReadAsync(RegistryLocation key, WorkspaceCache cache, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await _store.ReadAsync(key.Path, cancellationToken, reconcileOptions.ActiveStatuses);
            var (workspace, _) = SqliteWorkspace.Snapshot(key.WorkspaceRoot, rows, reconcileOptions);
            cache.ReplaceAll(workspace.Registries);
            _lastProblem.TryRemove(key.Path, out _);
            return (workspace, null);
        }
        catch (SqliteStateException e)
        {
            // What is not read names nothing for sure: the cache says so, and orphans are not followed meanwhile.
            cache.ReplaceAll([RegistrySnapshot.Failed(e.DatabasePath, RegistryKind.Task, null, e.Problem)]);
            Said(e.DatabasePath, e.Problem);
            return (null, e.Message);
        }
    }

    /// <summary>The verdict on every task, and the workspace with the evidence read for the agents in question.</summary>
    private (ClockReading Clock, WorkspaceSnapshot Probed, WorkspaceVerdict Verdict) Judge(WorkspaceSnapshot workspace, TmuxView view)
    {
        var clock = ClockReading.From(time);
        var probed = AgentEvidenceProbe.Probe(workspace, view, clock, reconcileOptions, ProcProcessTable.Instance);
        var verdict = Reconciler.Judge(probed, view, clock, reconcileOptions, ReconcileScope.Everything);
        foreach (var stuck in verdict.Registries.SelectMany(v => v.Plan?.Findings ?? []).Where(f => f.Code == FindingCodes.Stuck))
        {
            LogStuck(workspace.Root, stuck.Message);
        }

        return (clock, probed, verdict);
    }

    private ImmutableArray<EndAgent> Report(string database, WorkspaceVerdict verdict, SqliteRepairResult repair)
    {
        var ended = ImmutableArray.CreateBuilder<EndAgent>();
        foreach (var task in verdict.Registries)
        {
            foreach (var end in repair.WrittenOf(task.Registry.TaskId))
            {
                ended.Add(end);
                LogEnded(end.AgentId, task.Registry.TaskId!, end.OldStatus, end.NewStatus, end.Evidence);
                _events.Publish(new ControllerEvent(ControllerEventType.Normal, EventReasons.ZombieTerminated, $"agent {end.AgentId} in {task.Registry.TaskId} was {end.OldStatus}; now {end.NewStatus} ({end.TerminationReason ?? end.Evidence})"));
            }
        }

        foreach (var agent in repair.Superseded)
        {
            LogSuperseded(agent.AgentId, agent.TaskId);
        }

        foreach (var line in repair.Completed.Values.SelectMany(l => l))
        {
            LogLineCompleted(line.AgentId, line.Status);
        }

        SayLineProblems(database, repair);
        return ended.ToImmutable();
    }

    /// <summary>
    /// A progress line that cannot be written is tried again on every reconcile until it is, but said once per
    /// distinct problem: again when it changes, and once when it clears (written, or no longer ours to write).
    /// </summary>
    private void SayLineProblems(string database, SqliteRepairResult repair)
    {
        var now = repair.AuditProblems;
        var before = _lineProblems.GetValueOrDefault(database) ?? LineProblems.None;
        foreach (var (agent, problem) in now.OrderBy(p => p.Key.TaskId, StringComparer.Ordinal).ThenBy(p => p.Key.AgentId, StringComparer.Ordinal))
        {
            if (before.Lines.GetValueOrDefault(agent) != problem)
            {
                LogAuditFailed(agent.AgentId, agent.TaskId, problem);
            }
        }

        // Earlier endings not looked at (their database unreadable for it) say nothing new: their problems stand.
        var completion = repair.CompletionProblem;
        if (completion is null)
        {
            foreach (var agent in before.Lines.Keys.Where(k => !now.ContainsKey(k)).OrderBy(k => k.TaskId, StringComparer.Ordinal).ThenBy(k => k.AgentId, StringComparer.Ordinal))
            {
                LogAuditCleared(agent.AgentId, agent.TaskId);
            }
        }
        else
        {
            now = now.SetItems(before.Lines.Where(p => !now.ContainsKey(p.Key)));
        }

        if (completion is not null && completion != before.Completion)
        {
            LogCompletionFailed(completion);
        }

        _lineProblems[database] = new LineProblems(now, completion);
    }

    private void Said(string database, string problem)
    {
        if (_lastProblem.TryGetValue(database, out var last) && last == problem)
        {
            return;
        }

        _lastProblem[database] = problem;
        LogDatabaseFailed(database, problem);
        _events.Publish(new ControllerEvent(ControllerEventType.Warning, EventReasons.RegistryUnreadable, $"{database}: {problem}"));
    }

    private static ImmutableArray<Zombie> Zombies(WorkspaceVerdict verdict) => [.. verdict.Registries.SelectMany(v => v.Plan?.Zombies ?? [])];

    private CountSnapshot Active(WorkspaceSnapshot workspace) =>
        new(ActiveAgents.Count(workspace.Registries.Select(r => r.Model), reconcileOptions), null, null);

    private static ReconcileResult Held(CountSnapshot before, ImmutableArray<Zombie> zombies, string why) =>
        new(ReconcileOutcome.Held, zombies, [], before, null, false, null, why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Zombie agent {AgentId} of task {TaskId} (sqlite-2026): was {OldStatus}, now {NewStatus} (evidence: {Evidence})")]
    private partial void LogEnded(string agentId, string taskId, string oldStatus, string newStatus, string evidence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} changed status before our repair took the write lock: the orchestrator's write stands (compare-and-set superseded; task {TaskId})")]
    private partial void LogSuperseded(string agentId, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repaired agent {AgentId} of task {TaskId}, but its progress-file audit line could not be appended: {Problem}; tried again on every reconcile, said again only if the problem changes")]
    private partial void LogAuditFailed(string agentId, string taskId, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "The progress-file audit line of agent {AgentId} of task {TaskId} no longer fails: written, or no longer ours to write")]
    private partial void LogAuditCleared(string agentId, string taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appended the terminal progress line ({Status}) of agent {AgentId}, missing since an earlier repair was interrupted after its commit")]
    private partial void LogLineCompleted(string agentId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Earlier endings not looked at for missing progress lines: {Problem}")]
    private partial void LogCompletionFailed(string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "State database {Database} (sqlite-2026): {Problem}; its workspace is not reconciled until it can be read, the other workspaces are")]
    private partial void LogDatabaseFailed(string database, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stuck agent in {Workspace} (sqlite-2026): {Message}")]
    private partial void LogStuck(string workspace, string message);

    /// <summary>The progress-line problems of one reconcile: by agent, and the one that kept earlier endings from being looked at.</summary>
    private sealed record LineProblems(ImmutableDictionary<TaskAgent, string> Lines, string? Completion)
    {
        public static LineProblems None { get; } = new(ImmutableDictionary<TaskAgent, string>.Empty, null);
    }
}
