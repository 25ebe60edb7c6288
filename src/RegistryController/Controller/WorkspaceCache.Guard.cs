using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// The mass guard's verdict on the whole cached workspace, judged once per change of the workspace: each registry's
/// <see cref="GuardTally"/> is kept, and a reconcile judges again only the registries that changed since (its own,
/// usually) and sums the rest. Judging the whole workspace for every reconcile made start-up and resync quadratic
/// in the number of registries whenever the guard tripped (every registry then has zombies and asks for the verdict).
/// </summary>
/// <remarks>
/// Why the memo gives the verdict a fresh <see cref="Reconciler.Judge"/> would give: a tally is a pure function of
/// (the registry's snapshot, the view, the clock, the options). It is kept per registry keyed on the snapshot itself
/// (every <see cref="Update(RegistrySnapshot)"/> and <see cref="Forget"/> marks its path to be judged again, after
/// the cache holds the new value), and for the whole memo on the view's liveness
/// (<see cref="AgentJudge.SameLiveness"/>: a new look at an unchanged server changes no verdict), the options and
/// the clock's time zone; any of those changing judges everything again, once. The clock itself needs no key: a
/// verdict depends on "now" only through an agent's grace period (<see cref="AgentJudge.FreshUntil"/>), which only
/// ends, so a tally stays true until its <see cref="GuardTally.FreshUntil"/>, when that registry is judged again.
/// Hence the clock may be taken from the evaluation that judged each registry. Reconciles on several workers read
/// the clock moments apart and may ask out of order; the memo judges at the latest reading it has seen (an agent's
/// grace that ended a few milliseconds earlier is over for either reading's purpose), and a clock stepped back
/// further than <see cref="ClockStepBack"/> judges everything again.
/// </remarks>
public sealed partial class WorkspaceCache
{
    private static readonly TimeSpan ClockStepBack = TimeSpan.FromSeconds(1);

    private readonly Lock _tallyGate = new();
    private readonly Dictionary<string, GuardTally> _tallies = new(StringComparer.Ordinal);
    private readonly HashSet<string> _staleTallies = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _freshUntil = new();
    private readonly Dictionary<string, int> _zombieCounts = new(StringComparer.Ordinal);
    private ImmutableHashSet<string> _zombies = ImmutableHashSet.Create<string>(StringComparer.Ordinal);
    private (TmuxView View, ReconcileOptions Options, TimeZoneInfo Zone)? _talliedFor;
    private DateTimeOffset _talliedAt = DateTimeOffset.MinValue;
    private int _wouldTerminate;
    private int _activeAgents;
    private long _guardJudgements;

    /// <summary>How many registries the guard's memo has judged so far (what a start-up costs, without timing it).</summary>
    internal long GuardJudgements => Interlocked.Read(ref _guardJudgements);

    /// <summary>
    /// The mass guard's decision on every cached registry (as <see cref="Reconciler.Judge"/> with
    /// <see cref="ReconcileScope.Everything"/> decides it) and the agents it would terminate. The set is the same
    /// instance for as long as no registry's zombies change.
    /// </summary>
    internal (GuardDecision Guard, ImmutableHashSet<string> Zombies) JudgeGuard(TmuxView view, ClockReading clock, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        lock (_tallyGate)
        {
            if (_talliedFor is not { } key
                || !(ReferenceEquals(key.Options, options) || key.Options.Equals(options))
                || !key.Zone.Equals(clock.Zone)
                || !AgentJudge.SameLiveness(key.View, view)
                || clock.Now < _talliedAt - ClockStepBack)
            {
                StartTallyingOver(clock.Now);
            }

            _talliedFor = (view, options, clock.Zone);
            if (clock.Now > _talliedAt)
            {
                _talliedAt = clock.Now;
            }

            var at = clock with { Now = _talliedAt };
            while (_freshUntil.TryPeek(out var path, out var until) && until <= at.Now)
            {
                _freshUntil.Dequeue();
                _staleTallies.Add(path);
            }

            foreach (var path in _staleTallies)
            {
                Tally(path, view, at, options);
            }

            _staleTallies.Clear();
            return (MassGuard.Decide(_wouldTerminate, _activeAgents, options), _zombies);
        }
    }

    private void GuardTallyStale(string path)
    {
        lock (_tallyGate)
        {
            _staleTallies.Add(path);
        }
    }

    private void StartTallyingOver(DateTimeOffset now)
    {
        _tallies.Clear();
        _freshUntil.Clear();
        _zombieCounts.Clear();
        _zombies = _zombies.Clear();
        _wouldTerminate = 0;
        _activeAgents = 0;
        _talliedAt = now;
        _staleTallies.UnionWith(_registries.Keys);
    }

    private void Tally(string path, TmuxView view, ClockReading clock, ReconcileOptions options)
    {
        var old = _tallies.GetValueOrDefault(path);
        GuardTally? current = null;
        if (_registries.TryGetValue(path, out var snapshot))
        {
            current = Reconciler.TallyGuard(snapshot, view, clock, options);
            Interlocked.Increment(ref _guardJudgements);
            _tallies[path] = current;
            if (current.FreshUntil is { } until)
            {
                // An earlier entry for the same path may still wait in the queue: it only judges that registry once more.
                _freshUntil.Enqueue(path, until);
            }
        }
        else
        {
            _tallies.Remove(path);
        }

        var before = old?.Zombies ?? [];
        var after = current?.Zombies ?? [];
        _wouldTerminate += after.Length - before.Length;
        _activeAgents += (current?.Active ?? 0) - (old?.Active ?? 0);
        if (!before.SequenceEqual(after, StringComparer.Ordinal))
        {
            foreach (var id in before)
            {
                Release(id);
            }

            foreach (var id in after)
            {
                Hold(id);
            }
        }
    }

    // Agent ids are counted, not just collected: two registries may name the same id, and one of them changing must
    // not drop it from the verdict while the other still holds it.
    private void Hold(string id)
    {
        var count = _zombieCounts.GetValueOrDefault(id);
        _zombieCounts[id] = count + 1;
        if (count == 0)
        {
            _zombies = _zombies.Add(id);
        }
    }

    private void Release(string id)
    {
        var count = _zombieCounts[id] - 1;
        if (count == 0)
        {
            _zombieCounts.Remove(id);
            _zombies = _zombies.Remove(id);
        }
        else
        {
            _zombieCounts[id] = count;
        }
    }
}
