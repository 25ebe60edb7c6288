using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Store.Sqlite;
using RegistryController.Tmux;

namespace RegistryController.Pass;

/// <summary>
/// One pass over a workspace: look at tmux once, read every registry, judge, and (when repairing)
/// apply each registry's edits under its own lock, task registries first so that the global
/// registry mirrors what was really written.
/// </summary>
/// <param name="sqlite">How a 2026 workspace's database is read and repaired (<c>Sqlite:</c>); its defaults when null.</param>
public sealed partial class ReconcilePass(ITmuxViewSource tmux, IRegistryStore store, TimeProvider time, ReconcileOptions options, SqliteStoreOptions? sqlite = null, LockOptions? locks = null)
{
    private readonly SqliteStateStore _sqlite = new(sqlite ?? new SqliteStoreOptions());

    // A progress file's flock is waited for within the registries' Lock:* bound, on the real clock.
    private readonly LockRetry _progressLocks = new(locks ?? new LockOptions());
    private readonly ITmuxViewSource _tmux = tmux ?? throw new ArgumentNullException(nameof(tmux));
    private readonly IRegistryStore _store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly ReconcileOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    public async Task<PassReport> RunAsync(string root, ReconcileScope scope, PassMode mode, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (StateLayouts.Detect(root) == StateLayout.Sqlite2026)
        {
            return await RunSqliteAsync(root, scope, mode, cancellationToken);
        }

        var stopwatch = Stopwatch.StartNew();
        var viewTask = _tmux.GetViewAsync(cancellationToken);
        // One root span per registry in scope, begun on its read's own flow so the read is its child.
        var spans = new ConcurrentDictionary<string, Activity>(StringComparer.Ordinal);
        var workspace = await new WorkspaceReader(_store, _options).ReadAsync(root, progress, cancellationToken, location =>
        {
            if (scope.Includes(location.Kind, location.TaskId) && ReconcileTelemetry.Start(location, "cli", mode != PassMode.Repair) is { } span)
            {
                spans[location.Path] = span;
            }
        });
        var view = await viewTask;
        var clock = ClockReading.From(_time);
        workspace = AgentEvidenceProbe.Probe(workspace, view, clock, _options, ProcProcessTable.Instance);
        var verdict = Reconciler.Judge(workspace, view, clock, _options, scope);

        // A broken view licenses no write at all: even a counter fix would be judged on half the facts.
        ImmutableArray<RegistryOutcome> outcomes;
        try
        {
            outcomes = mode == PassMode.Repair && view.CanJudgeLiveness
                ? await RepairAsync(workspace, verdict, clock, spans, cancellationToken)
                : verdict.Registries.Select(v => Unwritten(v, mode)).ToImmutableArray();
        }
        finally
        {
            Activity.Current = null;
        }

        EndSpans(root, spans, verdict, outcomes, stopwatch.Elapsed);
        return new PassReport(mode, verdict, outcomes, stopwatch.Elapsed);
    }

    private static RegistryOutcome Unwritten(RegistryVerdict verdict, PassMode mode) => verdict.Plan is { } plan
        ? new RegistryOutcome(verdict, mode == PassMode.DryRun ? plan.After : plan.Before, mode == PassMode.DryRun ? plan.Edits : [], false, null)
        : new RegistryOutcome(verdict, null, [], false, verdict.Registry.Error);

    private static void EndSpans(string root, ConcurrentDictionary<string, Activity> spans, WorkspaceVerdict verdict, ImmutableArray<RegistryOutcome> outcomes, TimeSpan duration)
    {
        foreach (var outcome in outcomes)
        {
            spans.TryRemove(outcome.Registry.Path, out var span);
            ReconcileTelemetry.LinkView(span, verdict.Tmux);
            var plan = outcome.Verdict.Plan;
            var result = outcome.Error is not null ? ReconcileOutcome.Error
                : outcome.Written ? ReconcileOutcome.Repaired
                : verdict.Guard.Holds && plan?.Zombies.IsEmpty == false ? ReconcileOutcome.Held
                : ReconcileOutcome.Noop;
            var location = new RegistryLocation(root, outcome.Registry.Path, outcome.Registry.Kind, outcome.Registry.TaskId);
            ReconcileTelemetry.Record(
                location,
                span,
                result,
                plan?.Zombies ?? [],
                outcome.Written ? [.. outcome.Endings] : [],
                plan?.Before,
                outcome.After,
                verdict.Guard.Holds,
                outcome.Error,
                duration,
                verdict.Orphans.Length);
            span?.Dispose();
        }

        // Registries read but out of scope, or not reached (cancellation): end their spans too.
        foreach (var span in spans.Values)
        {
            span.Dispose();
        }
    }

    private async Task<ImmutableArray<RegistryOutcome>> RepairAsync(WorkspaceSnapshot workspace, WorkspaceVerdict verdict, ClockReading clock, ConcurrentDictionary<string, Activity> spans, CancellationToken cancellationToken)
    {
        var (tasksNow, unreadable) = Reconciler.IndexTasks(workspace);
        var tasksAfter = new Dictionary<string, RegistryModel>(tasksNow, StringComparer.Ordinal);
        var outcomes = new Dictionary<RegistryVerdict, RegistryOutcome>();

        foreach (var task in verdict.Registries.Where(v => v.Registry.Kind == RegistryKind.Task))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Under the lock only the zombies this verdict approved (and its guard allowed) may go.
            var approved = task.Plan?.Edits.OfType<EndAgent>().Select(t => t.AgentId).ToImmutableHashSet(StringComparer.Ordinal);
            Activity.Current = spans.GetValueOrDefault(task.Registry.Path);
            var (outcome, after) = await ApplyAsync(workspace.Root, task, model => Reconciler.PlanTask(model, verdict.Tmux, clock, _options, approved, task.Registry.Activity, task.Registry.Evidence, task.Registry.Processes).Edits, cancellationToken);
            outcomes[task] = outcome;
            if (after is not null)
            {
                tasksAfter[Reconciler.TaskKey(task.Registry)] = after;
            }
        }

        foreach (var global in verdict.Registries.Where(v => v.Registry.Kind == RegistryKind.Global))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Activity.Current = spans.GetValueOrDefault(global.Registry.Path);
            var (outcome, _) = await ApplyAsync(workspace.Root, global, model => Reconciler.PlanGlobal(model, tasksNow, tasksAfter, unreadable, _options).Edits, cancellationToken);
            outcomes[global] = outcome;
        }

        return [.. verdict.Registries.Select(v => outcomes[v])];
    }

    private async Task<(RegistryOutcome Outcome, RegistryModel? After)> ApplyAsync(string root, RegistryVerdict verdict, Func<RegistryModel, ImmutableArray<RegistryEdit>> plan, CancellationToken cancellationToken)
    {
        var registry = verdict.Registry;
        if (verdict.Plan is null || !verdict.Plan.HasEdits)
        {
            return (Unwritten(verdict, PassMode.Repair), null);
        }

        try
        {
            var location = new RegistryLocation(root, registry.Path, registry.Kind, registry.TaskId);
            var result = await _store.UpdateAsync(location, plan, cancellationToken);
            return (new RegistryOutcome(verdict, CountSnapshot.Of(result.After), result.Applied, result.Written, null) { AuditProblems = result.AuditProblems }, result.After);
        }
#pragma warning disable CA1031 // One registry's failure, whatever it is, must not stop the others.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            var message = ex switch
            {
                RegistryFormatException format => format.Problem,
                RegistryAccessException access => access.Problem,
                RegistryLockTimeoutException timeout => timeout.Problem,
                _ => ex.Message,
            };
            return (new RegistryOutcome(verdict, verdict.Plan.Before, [], false, message), null);
        }
    }
}
