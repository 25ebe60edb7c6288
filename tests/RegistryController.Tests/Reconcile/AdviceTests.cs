using System.Collections.Immutable;
using RegistryController.Reconcile;
using RegistryController.Tmux;
using static RegistryController.Tests.Reconcile.Verdicts;

namespace RegistryController.Tests.Reconcile;

public class AdviceTests
{
    private static readonly GuardDecision Clear = GuardDecision.Clear(0, 3);

    private static AdviceFacts Facts(TmuxView? view = null, int zombies = 0, int counts = 0, ImmutableArray<Orphan> orphans = default, GuardDecision? guard = null) =>
        new(view ?? Listed(), Unreadable: 0, FailedWrites: 0, zombies, counts, Terminated: 0, Repaired: 0, orphans.IsDefault ? [] : orphans, guard ?? Clear);

    [Fact]
    public void Zombies_are_high_advice_pointing_at_repair()
    {
        var advice = Assert.Single(Advice.For(Facts(zombies: 2)));

        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains("2 zombie agents", advice.Message, StringComparison.Ordinal);
        Assert.Contains("registryctl repair", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Counter_mismatches_are_high_advice()
    {
        var advice = Assert.Single(Advice.For(Facts(counts: 1)));

        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains("1 counter or global-mirror mismatch", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Orphans_are_medium_advice_naming_how_to_inspect_them()
    {
        var advice = Assert.Single(Advice.For(Facts(orphans: [new Orphan("agent_stray", null)])));

        Assert.Equal(Severity.Medium, advice.Severity);
        Assert.Contains("tmux attach", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_wrong_is_a_single_healthy_info()
    {
        var advice = Assert.Single(Advice.For(Facts()));

        Assert.Equal(Severity.Info, advice.Severity);
        Assert.StartsWith("Healthy", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tripped_guard_replaces_the_zombie_advice()
    {
        var guard = new GuardDecision(true, false, 6, 8, "would terminate 6 of the workspace's 8 active agents");

        var advice = Assert.Single(Advice.For(Facts(zombies: 6, guard: guard)));

        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains(guard.Message!, advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_advised_and_healthy_is_not()
    {
        var all = Advice.For(Facts(zombies: 1, counts: 1, orphans: [new Orphan("agent_stray", null)]));

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

        var advice = Assert.Single(verdict.Recommendations);
        Assert.Equal(Severity.Info, advice.Severity);
        Assert.StartsWith("Healthy", advice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zombie_judged_end_to_end_is_advised_once_as_a_zombie_not_as_a_counter()
    {
        // The active_count change that follows a termination is part of that repair, not a mismatch.
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("alive"), Agent("gone")));

        var verdict = Judge(workspace, Listed("agent_alive"));

        var advice = Assert.Single(verdict.Recommendations);
        Assert.Equal(Severity.High, advice.Severity);
        Assert.Contains("1 zombie agent holds an active slot", advice.Message, StringComparison.Ordinal);
    }
}
