using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Pass;
using RegistryController.Tmux;
using Registryctl.Output;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Registryctl.Output;

public class AdviceTests
{
    private static readonly GuardDecision Clear = new(false, false, 0, 3);

    private static AdviceFacts Facts(TmuxView? view = null, int zombies = 0, int counts = 0, ImmutableArray<Orphan> orphans = default, GuardDecision? guard = null) =>
        new(view ?? Listed(), Unreadable: 0, FailedWrites: 0, zombies, counts, Terminated: 0, Repaired: 0, orphans.IsDefault ? [] : orphans, guard ?? Clear);

    [Fact]
    public void Zombies_are_high_advice_pointing_at_repair()
    {
        var advice = Assert.Single(Advice.For(Facts(zombies: 2), Options));

        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains("2 zombie agents", advice.Message, StringComparison.Ordinal);
        Assert.Contains("registryctl repair", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Counter_mismatches_are_high_advice()
    {
        var advice = Assert.Single(Advice.For(Facts(counts: 1), Options));

        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains("1 counter or global-mirror mismatch", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Orphans_are_medium_advice_naming_how_to_inspect_them()
    {
        var advice = Assert.Single(Advice.For(Facts(orphans: [new Orphan("agent_stray", null)]), Options));

        Assert.Equal(Severity.Medium, advice.Severity);
        Assert.Contains("tmux attach", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_wrong_is_a_single_healthy_info()
    {
        var advice = Assert.Single(Advice.For(Facts(), Options));

        Assert.Equal(Severity.Info, advice.Severity);
        Assert.StartsWith("Healthy", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tripped_guard_replaces_the_zombie_advice()
    {
        var guard = new GuardDecision(true, false, 6, 8);

        var advice = Assert.Single(Advice.For(Facts(zombies: 6, guard: guard), Options));

        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains("would terminate 6 of the workspace's 8 active agents", advice.Message, StringComparison.Ordinal);
        Assert.Contains("--force", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_advised_and_healthy_is_not()
    {
        var all = Advice.For(Facts(zombies: 1, counts: 1, orphans: [new Orphan("agent_stray", null)]), Options);

        Assert.Equal([Severity.High, Severity.High, Severity.Medium], all.Select(a => a.Severity));
        Assert.DoesNotContain(all, a => a.Message.StartsWith("Healthy", StringComparison.Ordinal));
    }

    [Fact]
    public void A_healthy_workspace_judged_end_to_end_is_advised_healthy()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("alive"), Agent("done", status: "completed")),
            GlobalRegistry(1, Entry("alive", "TASK-A"), Entry("done", "TASK-A", "completed")));

        var verdict = Judge(workspace, Listed("agent_alive"));

        var advice = Assert.Single(AdviceOf(verdict));
        Assert.Equal(Severity.Info, advice.Severity);
        Assert.StartsWith("Healthy", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zombie_judged_end_to_end_is_advised_once_as_a_zombie_not_as_a_counter()
    {
        // The active_count change that follows a termination is part of that repair, not a mismatch.
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("alive"), Agent("gone")));

        var verdict = Judge(workspace, Listed("agent_alive"));

        var advice = Assert.Single(AdviceOf(verdict));
        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains("1 zombie agent holds an active slot", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tripped_guard_explains_itself_names_the_server_and_mentions_force()
    {
        var guard = new GuardDecision(true, false, 5, 9);
        var view = Listed();

        var message = Advice.GuardMessage(guard, view, Options)!;

        Assert.Contains("5 of the workspace's 9 active agents", message, StringComparison.Ordinal);
        Assert.Contains(view.Server, message, StringComparison.Ordinal);
        Assert.Contains("--force", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forced_guard_says_it_proceeds_because_of_force()
    {
        var message = Advice.GuardMessage(new GuardDecision(false, true, 5, 9), Listed(), Options);

        Assert.Contains("Proceeding because --force was given", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_guard_that_did_not_trip_has_nothing_to_say()
    {
        Assert.Null(Advice.GuardMessage(new GuardDecision(false, false, 4, 9), Listed(), Options));
    }

    [Fact]
    public void A_broken_view_is_a_high_recommendation_that_repeats_its_cause()
    {
        var view = Broken();

        var verdict = Judge(WorkspaceOf(TaskRegistry("TASK-A", Agent("a1"))), view);

        var advice = Assert.Single(AdviceOf(verdict));
        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains(view.Detail, advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repair_says_it_recomputed_counters_only_when_it_wrote_one()
    {
        var repaired = Facts() with { Repaired = 1, Terminated = 2 };

        var withoutCounters = Assert.Single(Advice.For(repaired, Options));
        var withCounters = Assert.Single(Advice.For(repaired with { CountersWritten = true }, Options));

        Assert.Equal("Repaired 1 registry: 2 zombies ended.", withoutCounters.Message);
        Assert.Equal("Repaired 1 registry: 2 zombies ended, counters recomputed.", withCounters.Message);
    }

    /// <summary>The advice a health check of this verdict prints.</summary>
    private static ImmutableArray<Recommendation> AdviceOf(WorkspaceVerdict verdict)
    {
        var outcomes = verdict.Registries.Select(v => new RegistryOutcome(v, v.Plan?.Before, [], false, v.Registry.Error)).ToImmutableArray();
        return Advice.For(AdviceFacts.Of(new PassReport(PassMode.Check, verdict, outcomes, TimeSpan.Zero)), Options);
    }
}
