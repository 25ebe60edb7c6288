using RegistryController.Judgement;
using RegistryController.Registry;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

public class ViewStatusVerdictTests
{
    private static readonly ReconcileOptions Forced = Options with { Force = true };

    [Fact]
    public void A_broken_view_finds_no_zombies_and_plans_no_terminations()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1"), Agent("a2", status: "working")),
            TaskRegistry("TASK-B", Agent("b1", status: "blocked")),
            GlobalRegistry(3, Entry("a1", "TASK-A"), Entry("a2", "TASK-A"), Entry("b1", "TASK-B")));

        var verdict = Judge(workspace, Broken(), Forced);

        Assert.Empty(verdict.AllZombies());
        Assert.Empty(verdict.AllEdits().OfType<EndAgent>());
        Assert.Empty(verdict.AllEdits().OfType<MirrorAgentStatus>());
        Assert.Empty(verdict.AllEdits().OfType<SetCounter>());
    }

    [Fact]
    public void A_broken_view_corrects_counters_only_from_the_statuses_as_written()
    {
        // Counter-only edits are allowed by the verdict: they follow the statuses, never the broken view.
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("a1"), Agent("a2", status: "completed")], activeCount: 2));

        var plan = Judge(workspace, Broken()).PlanOf("TASK-A");

        Assert.Empty(plan.Zombies);
        Assert.Equal([new SetCounter("active_count", 2, 1)], plan.Edits.AsEnumerable());
    }

    [Fact]
    public void A_broken_view_lists_no_orphans()
    {
        var verdict = Judge(WorkspaceOf(TaskRegistry("TASK-A", Agent("a1"))), Broken());

        Assert.Empty(verdict.Orphans);
        Assert.False(verdict.OrphansComplete);
    }

    [Fact]
    public void With_no_server_every_active_agent_past_its_grace_period_is_a_zombie()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1"), Agent("a2", status: "reviewing"), Agent("young", startedAt: Ago(TimeSpan.FromSeconds(5))), Agent("done", status: "completed")),
            TaskRegistry("TASK-B", Agent("b1", status: "blocked")));

        var verdict = Judge(workspace, NoServer(), Forced);

        Assert.Equal(["a1", "a2", "b1"], verdict.AllZombies().Select(z => z.AgentId).Order(StringComparer.Ordinal));
        Assert.All(verdict.AllZombies(), z => Assert.Equal(ZombieReasons.SessionNotFound, z.Reason));
        Assert.Equal(["a1", "a2", "b1"], verdict.AllEdits().OfType<EndAgent>().Select(t => t.AgentId).Order(StringComparer.Ordinal));
        Assert.Equal(["young"], verdict.PlanOf("TASK-A").FreshAgents.AsEnumerable());
    }

    [Fact]
    public void With_no_server_there_are_no_orphans_and_that_answer_is_complete()
    {
        var verdict = Judge(WorkspaceOf(TaskRegistry("TASK-A", Agent("a1"))), NoServer());

        Assert.Empty(verdict.Orphans);
        Assert.True(verdict.OrphansComplete);
    }
}
