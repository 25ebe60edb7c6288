using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RegistryController.Reconcile;
using RegistryController.Registry;
using RegistryController.Store;
using RegistryController.Tmux;
using RegistryController.Workspace;

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
    ILogger<RegistryReconciler> logger)
{
    /// <summary>Raised when a task registry's terminations were written: its global registry must follow.</summary>
    public event Action<RegistryLocation>? GlobalNeedsReconcile;

    public async Task<ReconcileResult> ReconcileAsync(RegistryLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var cache = caches.For(location.WorkspaceRoot);
        if (!File.Exists(location.Path) && new FileInfo(location.Path).LinkTarget is null)
        {
            if (cache.Forget(location.Path))
            {
                LogForgotten(location.Path);
            }

            return ReconcileResult.Forgotten;
        }

        var snapshot = AgentActivityProbe.Probe(await store.ReadAsync(location, cancellationToken), location.WorkspaceRoot, reconcileOptions);
        cache.Update(snapshot);
        if (snapshot.Model is null)
        {
            return ReconcileResult.Failed(snapshot.Error ?? "unreadable");
        }

        var timed = await views.GetAsync(controllerOptions.ScanInterval, cancellationToken);
        if (!timed.View.CanJudgeLiveness)
        {
            // As in the CLI: a broken view writes nothing at all. The next scan requeues everything.
            return new ReconcileResult(ReconcileOutcome.Held, [], [], CountSnapshot.Of(snapshot.Model), null, false, null, $"tmux view broken: {timed.View.Detail}");
        }

        return location.Kind == RegistryKind.Task
            ? await ReconcileTaskAsync(location, snapshot, timed, cache, cancellationToken)
            : await ReconcileGlobalAsync(location, snapshot, cache, cancellationToken);
    }

    private async Task<ReconcileResult> ReconcileTaskAsync(RegistryLocation location, RegistrySnapshot snapshot, TimedView timed, WorkspaceCache cache, CancellationToken cancellationToken)
    {
        var clock = ClockReading.From(time);
        var plan = Reconciler.PlanTask(snapshot.Model!, timed.View, clock, reconcileOptions, activity: snapshot.Activity);
        foreach (var stuck in plan.Findings.Where(f => f.Code == FindingCodes.Stuck))
        {
            LogStuck(location.Path, stuck.Message);
        }

        if (!plan.Zombies.IsEmpty && clock.Now - timed.TakenAt > controllerOptions.MaxViewAgeForTermination)
        {
            // Never terminate on an old look: take a new one (outside any lock) and judge again.
            timed = await views.RefreshAsync(cancellationToken);
            if (!timed.View.CanJudgeLiveness)
            {
                return new ReconcileResult(ReconcileOutcome.Held, plan.Zombies, [], plan.Before, null, false, null, $"tmux view broken: {timed.View.Detail}");
            }

            clock = ClockReading.From(time);
            plan = Reconciler.PlanTask(snapshot.Model!, timed.View, clock, reconcileOptions, activity: snapshot.Activity);
        }

        var (approved, held, requeueAfter) = DecideGuard(plan, timed.View, clock, cache);
        if (!plan.HasEdits)
        {
            return new ReconcileResult(ReconcileOutcome.Noop, plan.Zombies, [], plan.Before, plan.Before, held, requeueAfter, null);
        }

        var outcome = await store.UpdateAsync(location, model => Reconciler.PlanTask(model, timed.View, clock, reconcileOptions, approved, snapshot.Activity).Edits, cancellationToken);
        cache.Update(location, outcome.After);
        var terminated = outcome.Applied.OfType<TerminateAgent>().ToImmutableArray();
        foreach (var t in terminated)
        {
            LogTerminated(t.AgentId, location.Path, t.OldStatus, t.Reason);
        }

        if (outcome.Written)
        {
            GlobalNeedsReconcile?.Invoke(new RegistryLocation(location.WorkspaceRoot, RegistryDiscovery.GlobalRegistryPath(location.WorkspaceRoot), RegistryKind.Global, null));
        }

        return new ReconcileResult(
            outcome.Written ? ReconcileOutcome.Repaired : (held ? ReconcileOutcome.Held : ReconcileOutcome.Noop),
            plan.Zombies,
            terminated,
            CountSnapshot.Of(outcome.Before),
            CountSnapshot.Of(outcome.After),
            held,
            requeueAfter,
            null);
    }

    /// <summary>
    /// The mass guard, judged on the whole cached workspace. When it trips, terminations wait; if the
    /// same verdict still stands after the hold period they proceed with a warning, which is what
    /// lets a real tmux crash heal itself while a wrong socket does no damage in the first minute.
    /// </summary>
    private (ImmutableHashSet<string>? Approved, bool Held, TimeSpan? RequeueAfter) DecideGuard(RegistryPlan plan, TmuxView view, ClockReading clock, WorkspaceCache cache)
    {
        if (plan.Zombies.IsEmpty)
        {
            // A hold ends when the workspace no longer trips the guard (tmux came back), not only when
            // a registry with zombies says so: else a later crash with the same agents would find the
            // old hold long expired and mass-terminate at once.
            if (cache.HoldActive && !Reconciler.Judge(cache.Snapshot(), view, clock, reconcileOptions, ReconcileScope.Everything).Guard.Holds)
            {
                cache.ClearHold();
            }

            return (null, false, null);
        }

        var verdict = Reconciler.Judge(cache.Snapshot(), view, clock, reconcileOptions, ReconcileScope.Everything);
        if (!verdict.Guard.Holds)
        {
            cache.ClearHold();
            return (null, false, null);
        }

        var signature = string.Join('\n', verdict.Registries.SelectMany(r => r.Plan?.Zombies ?? []).Select(z => z.AgentId).Order(StringComparer.Ordinal));
        var since = cache.HoldSince(signature, clock.Now);
        if (controllerOptions.GuardHold is { } hold && clock.Now - since >= hold)
        {
            LogGuardProceeding(cache.Root, verdict.Guard.WouldTerminate, verdict.Guard.ActiveAgents, hold);
            return (null, false, null);
        }

        LogGuardHolding(cache.Root, verdict.Guard.Message ?? string.Empty);
        var remaining = controllerOptions.GuardHold is { } h ? h - (clock.Now - since) : (TimeSpan?)null;
        return (ImmutableHashSet<string>.Empty, true, remaining);
    }

    private async Task<ReconcileResult> ReconcileGlobalAsync(RegistryLocation location, RegistrySnapshot snapshot, WorkspaceCache cache, CancellationToken cancellationToken)
    {
        var (tasks, unreadable) = Reconciler.IndexTasks(cache.Snapshot());
        var plan = Reconciler.PlanGlobal(snapshot.Model!, tasks, tasks, unreadable, reconcileOptions);
        if (!plan.HasEdits)
        {
            return new ReconcileResult(ReconcileOutcome.Noop, [], [], plan.Before, plan.Before, false, null, null);
        }

        var outcome = await store.UpdateAsync(location, model => Reconciler.PlanGlobal(model, tasks, tasks, unreadable, reconcileOptions).Edits, cancellationToken);
        cache.Update(location, outcome.After);
        return new ReconcileResult(outcome.Written ? ReconcileOutcome.Repaired : ReconcileOutcome.Noop, [], [], CountSnapshot.Of(outcome.Before), CountSnapshot.Of(outcome.After), false, null, null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminated zombie agent {AgentId} in {Path} (was {OldStatus}, {Reason})")]
    private partial void LogTerminated(string agentId, string path, string oldStatus, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot {Path}: the registry was deleted")]
    private partial void LogForgotten(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stuck agent in {Path}: {Message}")]
    private partial void LogStuck(string path, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Mass-termination guard holds in {Workspace}: {Message}")]
    private partial void LogGuardHolding(string workspace, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mass-termination guard in {Workspace}: the same verdict ({WouldTerminate} of {ActiveAgents} active agents) has stood for {Hold}; proceeding")]
    private partial void LogGuardProceeding(string workspace, int wouldTerminate, int activeAgents, TimeSpan hold);
}
