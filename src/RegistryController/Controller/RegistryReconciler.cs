using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RegistryController.Cluster;
using RegistryController.Evidence;
using RegistryController.Judgement;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Telemetry;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// Reconciles one registry, level-triggered: whatever woke it, it reads the file as it is now,
/// judges it against the latest tmux view and the workspace cache, and writes only what is still
/// wrong. Its own write wakes it again and finds nothing to do, so writes never loop.
/// </summary>
public sealed partial class RegistryReconciler(
    IRegistryStore store,
    TmuxViewCache views,
    WorkspaceCaches caches,
    ReconcileOptions reconcileOptions,
    ControllerOptions controllerOptions,
    TimeProvider time,
    ILogger<RegistryReconciler> logger,
    IEventSink? events = null,
    ILeadership? leadership = null,
    WatchedWorkspaces? workspaces = null)
{
    private readonly IEventSink _events = events ?? NullEventSink.Instance;
    private readonly ILeadership _leadership = leadership ?? AlwaysLeader.Instance;
    private readonly WorkspaceGuard _guard = new(controllerOptions, events ?? NullEventSink.Instance, logger);

    // The last orphan count per workspace, with the look and the named sessions it was counted from.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (TmuxView View, IReadOnlySet<string> Named, int Count)> _orphanCounts = new(StringComparer.Ordinal);

    public Task<ReconcileResult> ReconcileAsync(RegistryLocation location, CancellationToken cancellationToken) =>
        ReconcileAsync(location, [Trigger.Cli], [], cancellationToken);

    /// <summary>
    /// One reconcile, traced as the root of its own trace: linked to the events that caused it and to
    /// the tmux look it used; its children are the lock, the read and the write.
    /// </summary>
    public async Task<ReconcileResult> ReconcileAsync(RegistryLocation location, IReadOnlyCollection<Trigger> triggers, IReadOnlyList<ActivityContext> causes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(triggers);
        using var activity = ReconcileTelemetry.Start(location, string.Join(',', triggers.Select(t => t.ToString().ToLowerInvariant()).Order(StringComparer.Ordinal)), dryRun: false, causes);
        var started = time.GetTimestamp();
        ReconcileResult result;
        try
        {
            result = await ReconcileCoreAsync(location, MayReuseRead(triggers), activity, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RegistryTelemetry.Fail(activity, ex);
            Record(location, activity, ReconcileResult.Failed(ex.Message), time.GetElapsedTime(started));
            throw;
        }

        Record(location, activity, result, time.GetElapsedTime(started));
        return result;
    }

    private void Record(RegistryLocation location, Activity? activity, ReconcileResult result, TimeSpan duration) =>
        ReconcileTelemetry.Record(location, activity, result.Outcome, result.Zombies, result.Ended, result.Before, result.After, result.GuardHeld, result.Error, duration, activity is null ? null : CountOrphans(location));

    private static RegistryLocation GlobalOf(RegistryLocation location) =>
        new(location.WorkspaceRoot, RegistryDiscovery.GlobalRegistryPath(location.WorkspaceRoot), RegistryKind.Global, null);

    /// <summary>Which agents are active, as one comparable string (null when unreadable).</summary>
    private string? ActiveStatuses(RegistrySnapshot? snapshot) => snapshot?.Model is { } model
        ? string.Join('\n', model.Agents.Where(a => reconcileOptions.IsActive(a.Status)).Select(a => a.Id))
        : null;

    /// <summary>The workspace's orphans as of the latest look (only computed when the span is recorded).</summary>
    private int? CountOrphans(RegistryLocation location)
    {
        if (views.Latest?.View is not { Status: TmuxViewStatus.Listed } view)
        {
            return null;
        }

        // Recounted only when the look or the workspace's named sessions changed: a count per
        // reconcile would walk the whole workspace each time, and tracing would cost O(workspace).
        var (named, _) = caches.For(location.WorkspaceRoot).NamedSessions();
        if (_orphanCounts.TryGetValue(location.WorkspaceRoot, out var last) && ReferenceEquals(last.View, view) && ReferenceEquals(last.Named, named))
        {
            return last.Count;
        }

        var count = view.Sessions.Keys.Count(s => Orphans.IsAgentSession(s) && !named.Contains(s));
        _orphanCounts[location.WorkspaceRoot] = (view, named, count);
        return count;
    }

    /// <summary>
    /// Whether the cached read of the registry may stand for the file when the file still bears the same stamp: yes
    /// for the first reconcile after start-up (the cache was filled by this process moments before, whatever else
    /// asked for the key meanwhile: the first look at tmux resyncs everything) and for a change in tmux, which says
    /// nothing about the file; no for a file event, a retry, the CLI and the periodic resync, the safety net that
    /// reads every file whatever the stamps say.
    /// </summary>
    private static bool MayReuseRead(IReadOnlyCollection<Trigger> triggers) =>
        triggers.Contains(Trigger.Startup) || (triggers.Count > 0 && triggers.All(t => t is Trigger.Tmux));

    private async Task<ReconcileResult> ReconcileCoreAsync(RegistryLocation location, bool mayReuseRead, Activity? activity, CancellationToken cancellationToken)
    {
        if (Superseded(location))
        {
            return ReconcileResult.Forgotten;
        }

        var cache = caches.For(location.WorkspaceRoot);
        if (!RegistryDiscovery.Stands(location.Path))
        {
            if (cache.Forget(location.Path))
            {
                LogForgotten(location.Path);
            }

            return ReconcileResult.Forgotten;
        }

        var previous = cache.Get(location.Path);
        var read = await store.ReadAsync(location, mayReuseRead ? previous : null, cancellationToken);
        if (ReferenceEquals(read, previous))
        {
            // The file is as it was read, but its agents' tracked files may have moved on: probe them afresh.
            read = read with { Activity = ImmutableDictionary<string, DateTimeOffset>.Empty, Evidence = ImmutableDictionary<string, AgentEvidence>.Empty, Processes = ImmutableDictionary<int, ProcessSighting>.Empty };
        }

        var snapshot = AgentActivityProbe.Probe(read, location.WorkspaceRoot, reconcileOptions);
        if (Superseded(location))
        {
            // Switched while this read ran: the workspace's cache now belongs to its database.
            return ReconcileResult.Forgotten;
        }

        cache.Update(snapshot);
        // The orchestrator changed who is active (a spawn, a completion): the global counter follows.
        // The same model (a read that still stands) has the same active agents: no need to list them twice.
        ImmutableArray<RegistryLocation> followUps = location.Kind == RegistryKind.Task && !ReferenceEquals(previous?.Model, snapshot.Model) && ActiveStatuses(previous) != ActiveStatuses(snapshot)
            ? [GlobalOf(location)]
            : [];
        if (snapshot.Model is null)
        {
            _events.Publish(new ControllerEvent(ControllerEventType.Warning, EventReasons.RegistryUnreadable, $"{location.Path}: {snapshot.Error}"));
            return ReconcileResult.Failed(snapshot.Error ?? "unreadable") with { FollowUps = followUps };
        }

        var timed = await views.GetAsync(controllerOptions.ScanInterval, cancellationToken);
        ReconcileTelemetry.LinkView(activity, timed.View);
        if (!timed.View.CanJudgeLiveness)
        {
            // As in the CLI: a broken view writes nothing at all. The next scan requeues everything.
            return new ReconcileResult(ReconcileOutcome.Held, [], [], CountSnapshot.Of(snapshot.Model), null, false, null, $"tmux view broken: {timed.View.Detail}") { FollowUps = followUps };
        }

        var result = location.Kind == RegistryKind.Task
            ? await ReconcileTaskAsync(location, snapshot, timed, cache, cancellationToken)
            : await ReconcileGlobalAsync(location, snapshot, cache, cancellationToken);
        return result.FollowUps.IsEmpty ? result with { FollowUps = followUps } : result;
    }

    private async Task<ReconcileResult> ReconcileTaskAsync(RegistryLocation location, RegistrySnapshot snapshot, TimedView timed, WorkspaceCache cache, CancellationToken cancellationToken)
    {
        var clock = ClockReading.From(time);
        snapshot = AgentEvidenceProbe.Probe(snapshot, timed.View, clock, reconcileOptions, ProcProcessTable.Instance);
        var plan = Reconciler.PlanTask(snapshot.Model!, timed.View, clock, reconcileOptions, activity: snapshot.Activity, evidence: snapshot.Evidence, processes: snapshot.Processes);
        foreach (var stuck in plan.Findings.Where(f => f.Code == FindingCodes.Stuck))
        {
            LogStuck(location.Path, stuck.Message);
        }

        if (!plan.Zombies.IsEmpty && clock.Now - timed.TakenAt > controllerOptions.MaxViewAgeForTermination)
        {
            // Never terminate on an old look: take a new one (outside any lock) and judge again.
            timed = await views.RefreshAsync(cancellationToken);
            ReconcileTelemetry.LinkView(Activity.Current, timed.View);
            if (!timed.View.CanJudgeLiveness)
            {
                return new ReconcileResult(ReconcileOutcome.Held, plan.Zombies, [], plan.Before, null, false, null, $"tmux view broken: {timed.View.Detail}");
            }

            clock = ClockReading.From(time);
            snapshot = AgentEvidenceProbe.Probe(snapshot, timed.View, clock, reconcileOptions, ProcProcessTable.Instance);
            plan = Reconciler.PlanTask(snapshot.Model!, timed.View, clock, reconcileOptions, activity: snapshot.Activity, evidence: snapshot.Evidence, processes: snapshot.Processes);
        }

        var (approved, held, requeueAfter) = DecideGuard(plan, timed.View, clock, cache);
        if (GraceEndsIn(snapshot.Model!, timed.View, clock, reconcileOptions) is { } graceEnds && (requeueAfter is null || graceEnds < requeueAfter))
        {
            requeueAfter = graceEnds;
        }

        if (!plan.HasEdits || !_leadership.IsLeader)
        {
            // Followers judge (for health and metrics) but never write.
            return new ReconcileResult(ReconcileOutcome.Noop, plan.Zombies, [], plan.Before, plan.Before, held, requeueAfter, null);
        }

        if (held && !Reconciler.PlanTask(snapshot.Model!, timed.View, clock, reconcileOptions, approved, snapshot.Activity, snapshot.Evidence, snapshot.Processes).HasEdits)
        {
            // The hold leaves nothing to write in the file as read: no lock, no lossless re-read. With the guard
            // tripping that was every task registry at start-up, each waiting for the orchestrator's writers.
            return new ReconcileResult(ReconcileOutcome.Held, plan.Zombies, [], plan.Before, plan.Before, held, requeueAfter, null);
        }

        var outcome = await store.UpdateAsync(location, model => SupersededUnderLock(location) ? [] : Reconciler.PlanTask(model, timed.View, clock, reconcileOptions, approved, snapshot.Activity, snapshot.Evidence, snapshot.Processes).Edits, cancellationToken);
        var switched = Superseded(location);
        if (switched && !outcome.Written)
        {
            return ReconcileResult.Forgotten;
        }

        if (!switched)
        {
            // Once switched (even just after this write), the workspace's cache belongs to its database.
            cache.Update(location, outcome.After);
        }

        var ended = Report(location, outcome);
        return new ReconcileResult(
            outcome.Written ? ReconcileOutcome.Repaired : (held ? ReconcileOutcome.Held : ReconcileOutcome.Noop),
            plan.Zombies,
            ended,
            CountSnapshot.Of(outcome.Before),
            CountSnapshot.Of(outcome.After),
            held,
            requeueAfter,
            null)
        {
            // Its own write changed the task: the global registry must mirror it.
            FollowUps = outcome.Written ? [GlobalOf(location)] : [],
        };
    }

    private ImmutableArray<EndAgent> Report(RegistryLocation location, UpdateOutcome outcome)
    {
        foreach (var problem in outcome.AuditProblems)
        {
            LogAuditFailed(location.Path, problem);
        }

        var ended = outcome.Applied.OfType<EndAgent>().ToImmutableArray();
        foreach (var end in ended)
        {
            LogEnded(end.AgentId, location.Path, end.OldStatus, end.NewStatus, end.Evidence);
            _events.Publish(new ControllerEvent(ControllerEventType.Normal, EventReasons.ZombieTerminated, $"agent {end.AgentId} in {location.TaskId ?? location.Path} was {end.OldStatus}; now {end.NewStatus} ({end.TerminationReason ?? end.Evidence})"));
        }

        return ended;
    }

    /// <summary>
    /// A fresh agent without a live session is spared only until its grace period ends; then the
    /// registry must be judged again. Nothing else would wake it: the session's death was already seen
    /// and the file need not change again, so without this it would wait for the next full resync.
    /// </summary>
    internal static TimeSpan? GraceEndsIn(RegistryModel model, TmuxView view, ClockReading clock, ReconcileOptions options) =>
        model.Agents
            // Only an active agent has a grace period: most of a registry's agents are finished, and a state per
            // agent per reconcile was a tenth of a start-up's garbage.
            .Where(a => options.IsActive(a.Status))
            .Select(a => AgentJudge.GraceEndsIn(new AgentState(a.Id, model.TaskId ?? string.Empty, a.Status, a.TmuxSession, a.StartedAt), view, clock, options))
            .Where(left => left is not null)
            .Min();

    /// <summary>
    /// The mass guard, judged on the whole cached workspace. When it trips, terminations wait; if the
    /// same verdict still stands after the hold period they proceed with a warning, which is what
    /// lets a real tmux crash heal itself while a wrong socket does no damage in the first minute.
    /// </summary>
    private (ImmutableHashSet<string>? Approved, bool Held, TimeSpan? RequeueAfter) DecideGuard(RegistryPlan plan, TmuxView view, ClockReading clock, WorkspaceCache cache)
    {
        // A registry without zombies needs no judging of the workspace, unless a hold may have ended
        // (tmux came back): else a later crash of the same agents would find the old hold long expired.
        if (plan.Zombies.IsEmpty && !cache.Guard.Active)
        {
            return (null, false, null);
        }

        // The workspace's verdict from the cache's memo: only registries changed since the last verdict are judged
        // again (this one, usually), so that a start-up or resync with the guard tripping stays linear.
        var (guard, zombies) = cache.JudgeGuard(view, clock, reconcileOptions);
        var step = _guard.Observe(cache, guard, zombies, view, clock.Now);
        return step.Phase == GuardPhase.Holding && !plan.Zombies.IsEmpty
            ? (ImmutableHashSet<string>.Empty, true, step.Remaining)
            : (null, false, null);
    }

    private async Task<ReconcileResult> ReconcileGlobalAsync(RegistryLocation location, RegistrySnapshot snapshot, WorkspaceCache cache, CancellationToken cancellationToken)
    {
        var (tasks, unreadable) = Reconciler.IndexTasks(cache.Snapshot());
        var plan = Reconciler.PlanGlobal(snapshot.Model!, tasks, tasks, unreadable, reconcileOptions);
        if (!plan.HasEdits || !_leadership.IsLeader)
        {
            return new ReconcileResult(ReconcileOutcome.Noop, [], [], plan.Before, plan.Before, false, null, null);
        }

        var outcome = await store.UpdateAsync(location, model => SupersededUnderLock(location) ? [] : Reconciler.PlanGlobal(model, tasks, tasks, unreadable, reconcileOptions).Edits, cancellationToken);
        var switched = Superseded(location);
        if (switched && !outcome.Written)
        {
            return ReconcileResult.Forgotten;
        }

        if (!switched)
        {
            // Once switched (even just after this write), the workspace's cache belongs to its database.
            cache.Update(location, outcome.After);
        }

        return new ReconcileResult(outcome.Written ? ReconcileOutcome.Repaired : ReconcileOutcome.Noop, [], [], CountSnapshot.Of(outcome.Before), CountSnapshot.Of(outcome.After), false, null, null);
    }

    /// <summary>
    /// Whether the workspace became sqlite-2026 since this key was queued: asked first, and again under the registry's
    /// lock right before writing, since the 2026 orchestrator's re-import would copy a JSON repair into its database.
    /// </summary>
    private bool Superseded(RegistryLocation location) => workspaces?.Refresh(location.WorkspaceRoot) == StateLayout.Sqlite2026;

    // Under the registry's lock: one stat and nothing else. The switch itself (a new watcher, a cleared cache, the
    // database's key queued) happens after the lock is released, at the next Superseded.
    private bool SupersededUnderLock(RegistryLocation location) =>
        workspaces is not null && (workspaces.LayoutOf(location.WorkspaceRoot) == StateLayout.Sqlite2026 || StateLayouts.Detect(location.WorkspaceRoot) == StateLayout.Sqlite2026);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Zombie agent {AgentId} in {Path}: was {OldStatus}, now {NewStatus} (evidence: {Evidence})")]
    private partial void LogEnded(string agentId, string path, string oldStatus, string newStatus, string evidence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wrote {Path}, but an agent's progress-file audit line could not be appended: {Problem}")]
    private partial void LogAuditFailed(string path, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot {Path}: the registry was deleted")]
    private partial void LogForgotten(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stuck agent in {Path}: {Message}")]
    private partial void LogStuck(string path, string message);
}
