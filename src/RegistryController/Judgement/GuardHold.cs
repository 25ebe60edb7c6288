using System.Collections.Immutable;

namespace RegistryController.Judgement;

/// <summary>Where a workspace's mass guard stands after a look.</summary>
public enum GuardPhase
{
    /// <summary>The guard does not trip: terminations go ahead.</summary>
    Clear,

    /// <summary>It trips, and the same verdict has not yet stood for the hold period: terminations wait.</summary>
    Holding,

    /// <summary>The same verdict has stood for the hold period: terminations go ahead.</summary>
    Proceeding,
}

/// <param name="Changed">The phase differs from the last observation's: the moment to tell a person, once.</param>
/// <param name="Remaining">How long a hold still lasts (null: until a person acts).</param>
public sealed record GuardStep(GuardPhase Phase, bool Changed, TimeSpan? Remaining);

/// <summary>
/// The mass guard's hold over time, beside the rule it holds (<see cref="MassGuard"/>): a tripped
/// verdict waits; if the very same verdict (the same zombies) still stands after the hold period it
/// proceeds. A real tmux crash heals itself; a wrong socket does no damage in the first minute. A
/// different verdict restarts the hold; a verdict that no longer trips ends it, so a later crash of the
/// same agents starts a new hold rather than finding an old one long expired. Once a verdict proceeds, its
/// own repairs shrink it registry by registry: what remains of the approved zombies goes on proceeding.
/// </summary>
public sealed class GuardHold
{
    private readonly Lock _gate = new();
    private HashSet<string>? _zombies;
    private ImmutableHashSet<string>? _lastSeen;
    private DateTimeOffset _since;
    private GuardPhase _phase = GuardPhase.Clear;

    /// <param name="zombies">The agents the tripped verdict would terminate (its identity).</param>
    /// <param name="holdFor">The hold period; null holds until a person acts.</param>
    public GuardStep Observe(GuardDecision decision, IEnumerable<string> zombies, DateTimeOffset now, TimeSpan? holdFor)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(zombies);
        lock (_gate)
        {
            if (!decision.Holds)
            {
                _zombies = null;
                _lastSeen = null;
                return Step(GuardPhase.Clear, null);
            }

            // The very set observed last time (a workspace's cache hands out one immutable instance for as long as no
            // registry's zombies change): it compared then as it would now, so only the time can have moved. Without
            // this, a start-up with the guard tripping copied and compared the whole verdict once per registry.
            if (_zombies is not null && zombies is ImmutableHashSet<string> same && ReferenceEquals(same, _lastSeen))
            {
                return _phase == GuardPhase.Proceeding ? Step(GuardPhase.Proceeding, null) : HoldOrProceed(now, holdFor);
            }

            _lastSeen = zombies as ImmutableHashSet<string>;
            Comparisons++;
            var current = zombies.ToHashSet(StringComparer.Ordinal);
            if (_phase == GuardPhase.Proceeding && _zombies is not null && current.IsSubsetOf(_zombies))
            {
                return Step(GuardPhase.Proceeding, null);
            }

            if (_zombies is null || !current.SetEquals(_zombies))
            {
                _zombies = current;
                _since = now;
                _phase = GuardPhase.Clear;
            }

            return HoldOrProceed(now, holdFor);
        }
    }

    private GuardStep HoldOrProceed(DateTimeOffset now, TimeSpan? holdFor) =>
        holdFor is { } hold && now - _since >= hold
            ? Step(GuardPhase.Proceeding, null)
            : Step(GuardPhase.Holding, holdFor - (now - _since));

    /// <summary>How many observations compared their agents with the held verdict's (what a start-up costs, without timing it).</summary>
    internal long Comparisons
    {
        get
        {
            lock (_gate)
            {
                return _comparisons;
            }
        }

        private set => _comparisons = value;
    }

    private long _comparisons;

    /// <summary>Whether a verdict is being held (or has been, and has not cleared since).</summary>
    public bool Active
    {
        get
        {
            lock (_gate)
            {
                return _zombies is not null;
            }
        }
    }

    private GuardStep Step(GuardPhase phase, TimeSpan? remaining)
    {
        var changed = phase != _phase;
        _phase = phase;
        return new GuardStep(phase, changed, remaining);
    }
}
