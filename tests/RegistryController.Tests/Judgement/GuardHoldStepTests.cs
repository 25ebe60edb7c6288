using System.Collections.Immutable;
using RegistryController.Judgement;

namespace RegistryController.Tests.Judgement;

/// <summary>The mass guard's hold over time: what a controller tells a person, and when.</summary>
public class GuardHoldStepTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(60);
    private static readonly GuardDecision Tripped = new(Holds: true, Forced: false, WouldTerminate: 6, ActiveAgents: 8);
    private static readonly GuardDecision Clear = new(Holds: false, Forced: false, WouldTerminate: 0, ActiveAgents: 8);
    private static readonly string[] Crash = ["a", "b", "c", "d", "e", "f"];

    [Fact]
    public void A_tripped_verdict_is_announced_once_however_many_registries_observe_it()
    {
        var hold = new GuardHold();

        var steps = Enumerable.Range(0, 1000).Select(i => hold.Observe(Tripped, Crash, Start.AddMilliseconds(i), Hold)).ToList();

        Assert.All(steps, s => Assert.Equal(GuardPhase.Holding, s.Phase));
        Assert.Equal(1, steps.Count(s => s.Changed));
    }

    [Fact]
    public void The_same_verdict_proceeds_after_the_hold_and_says_so_once()
    {
        var hold = new GuardHold();
        hold.Observe(Tripped, Crash, Start, Hold);

        var first = hold.Observe(Tripped, Crash.Reverse(), Start + Hold, Hold);
        var second = hold.Observe(Tripped, Crash, Start + Hold + TimeSpan.FromSeconds(1), Hold);

        Assert.Equal((GuardPhase.Proceeding, true), (first.Phase, first.Changed));
        Assert.Equal((GuardPhase.Proceeding, false), (second.Phase, second.Changed));
    }

    [Fact]
    public void A_proceeding_verdict_goes_on_proceeding_while_its_own_repairs_shrink_it()
    {
        var hold = new GuardHold();
        hold.Observe(Tripped, Crash, Start, Hold);
        hold.Observe(Tripped, Crash, Start + Hold, Hold);

        // One registry's zombies were written; the rest of the same verdict still trips the guard.
        var step = hold.Observe(Tripped, Crash.Skip(2), Start + Hold + TimeSpan.FromSeconds(1), Hold);

        Assert.Equal((GuardPhase.Proceeding, false), (step.Phase, step.Changed));
    }

    [Fact]
    public void A_new_zombie_joining_a_proceeding_verdict_is_held_afresh()
    {
        var hold = new GuardHold();
        hold.Observe(Tripped, Crash, Start, Hold);
        hold.Observe(Tripped, Crash, Start + Hold, Hold);

        var step = hold.Observe(Tripped, [.. Crash.Skip(2), "new"], Start + Hold + TimeSpan.FromSeconds(1), Hold);

        Assert.Equal((GuardPhase.Holding, true, Hold), (step.Phase, step.Changed, step.Remaining));
    }

    [Fact]
    public void A_holding_step_says_how_long_the_hold_still_lasts()
    {
        var hold = new GuardHold();
        hold.Observe(Tripped, Crash, Start, Hold);

        var step = hold.Observe(Tripped, Crash, Start + TimeSpan.FromSeconds(20), Hold);

        Assert.Equal(TimeSpan.FromSeconds(40), step.Remaining);
    }

    [Fact]
    public void A_different_verdict_restarts_the_hold_and_is_announced_again()
    {
        var hold = new GuardHold();
        hold.Observe(Tripped, Crash, Start, Hold);

        var step = hold.Observe(Tripped, [.. Crash, "g"], Start + Hold, Hold);

        Assert.Equal((GuardPhase.Holding, true, Hold), (step.Phase, step.Changed, step.Remaining));
    }

    [Fact]
    public void A_verdict_that_no_longer_trips_ends_the_hold_so_a_later_crash_waits_a_full_hold_again()
    {
        var hold = new GuardHold();
        hold.Observe(Tripped, Crash, Start, Hold);

        var cleared = hold.Observe(Clear, [], Start + TimeSpan.FromSeconds(10), Hold);
        var again = hold.Observe(Tripped, Crash, Start + Hold * 2, Hold);

        Assert.Equal((GuardPhase.Clear, true), (cleared.Phase, cleared.Changed));
        Assert.Equal((GuardPhase.Holding, true, Hold), (again.Phase, again.Changed, again.Remaining));
    }

    [Fact]
    public void With_no_hold_period_a_tripped_verdict_holds_forever()
    {
        var hold = new GuardHold();
        hold.Observe(Tripped, Crash, Start, holdFor: null);

        var step = hold.Observe(Tripped, Crash, Start + TimeSpan.FromDays(7), holdFor: null);

        Assert.Equal((GuardPhase.Holding, null), (step.Phase, step.Remaining));
    }

    [Fact]
    public void The_same_set_observed_by_every_registry_holds_then_proceeds_as_a_new_copy_of_it_would()
    {
        var hold = new GuardHold();
        var verdict = ImmutableHashSet.Create(StringComparer.Ordinal, Crash);

        var holding = Enumerable.Range(0, 100).Select(i => hold.Observe(Tripped, verdict, Start.AddMilliseconds(i), Hold)).ToList();
        var proceeding = hold.Observe(Tripped, verdict, Start + Hold, Hold);
        var shrunk = hold.Observe(Tripped, verdict.Remove("a"), Start + Hold + TimeSpan.FromSeconds(1), Hold);

        Assert.All(holding, s => Assert.Equal(GuardPhase.Holding, s.Phase));
        Assert.Equal(Hold - TimeSpan.FromMilliseconds(99), holding[^1].Remaining);
        Assert.Equal((GuardPhase.Proceeding, true), (proceeding.Phase, proceeding.Changed));
        Assert.Equal((GuardPhase.Proceeding, false), (shrunk.Phase, shrunk.Changed));
        Assert.Equal(2, hold.Comparisons);
    }

    [Fact]
    public void The_same_set_observed_again_after_the_guard_cleared_starts_a_new_hold()
    {
        var hold = new GuardHold();
        var verdict = ImmutableHashSet.Create(StringComparer.Ordinal, Crash);
        hold.Observe(Tripped, verdict, Start, Hold);
        hold.Observe(Clear, verdict, Start + TimeSpan.FromSeconds(30), Hold);

        var again = hold.Observe(Tripped, verdict, Start + Hold, Hold);

        Assert.Equal((GuardPhase.Holding, true), (again.Phase, again.Changed));
        Assert.Equal(Hold, again.Remaining);
    }
}
