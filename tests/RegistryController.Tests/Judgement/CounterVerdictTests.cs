using RegistryController.Judgement;
using RegistryController.Registry;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

public class CounterVerdictTests
{
    [Fact]
    public void A_wrong_active_count_is_a_high_finding_and_is_set_to_the_count_after_repair()
    {
        // Written 3; two agents are active by status, and one of them is a zombie: 1 after repair.
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("alive"), Agent("gone"), Agent("done", status: "completed")], activeCount: 3));

        var plan = Judge(workspace, Listed("agent_alive")).PlanOf("TASK-A");

        var finding = Assert.Single(plan.Findings, f => f.Code == FindingCodes.ActiveCountMismatch);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Contains("active_count is 3 but 2", finding.Message, StringComparison.Ordinal);
        Assert.Equal([new SetCounter("active_count", 3, 1)], plan.Edits.OfType<SetCounter>());
        Assert.Equal(1, plan.After.Active);
    }

    [Fact]
    public void A_correct_active_count_with_no_zombie_is_not_rewritten()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("alive"), Agent("done", status: "completed")));

        var plan = Judge(workspace, Listed("agent_alive")).PlanOf("TASK-A");

        Assert.Empty(plan.Edits);
        Assert.DoesNotContain(plan.Findings, f => f.Code == FindingCodes.ActiveCountMismatch);
    }

    [Fact]
    public void A_correct_active_count_follows_this_passs_terminations_without_a_mismatch_finding()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("alive"), Agent("gone")));

        var plan = Judge(workspace, Listed("agent_alive")).PlanOf("TASK-A");

        Assert.Contains(new SetCounter("active_count", 2, 1), plan.Edits);
        Assert.DoesNotContain(plan.Findings, f => f.Code == FindingCodes.ActiveCountMismatch);
    }

    [Fact]
    public void A_registry_without_an_active_count_does_not_get_one()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("gone")], activeCount: null));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Empty(plan.Edits.OfType<SetCounter>());
        Assert.Null(plan.After.Active);
    }

    [Fact]
    public void A_wrong_total_spawned_is_a_low_finding_and_never_edited()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("alive")], totalSpawned: 7));

        var plan = Judge(workspace, Listed("agent_alive")).PlanOf("TASK-A");

        var finding = Assert.Single(plan.Findings);
        Assert.Equal((Severity.Low, FindingCodes.HistoryMismatch), (finding.Severity, finding.Code));
        Assert.Contains("total_spawned", finding.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Edits);
    }

    [Fact]
    public void A_wrong_completed_count_is_a_low_finding_and_never_edited()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("done", status: "completed"), Agent("alive")], completedCount: 0));

        var plan = Judge(workspace, Listed("agent_alive")).PlanOf("TASK-A");

        var finding = Assert.Single(plan.Findings);
        Assert.Equal((Severity.Low, FindingCodes.HistoryMismatch), (finding.Severity, finding.Code));
        Assert.Contains("completed_count", finding.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Edits);
    }

    [Fact]
    public void Global_active_agents_is_recomputed_from_every_task_after_this_passs_terminations()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a-alive"), Agent("a-gone"), Agent("a-done", status: "completed")),
            TaskRegistry("TASK-B", Agent("b-alive")),
            GlobalRegistry(3, Entry("a-alive", "TASK-A"), Entry("a-gone", "TASK-A"), Entry("a-done", "TASK-A", "completed"), Entry("b-alive", "TASK-B")));

        var plan = Judge(workspace, Listed("agent_a-alive", "agent_b-alive")).GlobalPlan();

        Assert.Equal([new SetCounter("active_agents", 3, 2)], plan.Edits.OfType<SetCounter>());
        Assert.DoesNotContain(plan.Findings, f => f.Code == FindingCodes.ActiveCountMismatch);
        Assert.Equal(2, plan.After.Active);
    }

    [Fact]
    public void A_wrong_global_active_agents_is_a_high_finding_against_the_statuses_as_written()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1")),
            TaskRegistry("TASK-B", Agent("b1")),
            GlobalRegistry(5, Entry("a1", "TASK-A"), Entry("b1", "TASK-B")));

        var plan = Judge(workspace, Listed("agent_a1", "agent_b1")).GlobalPlan();

        var finding = Assert.Single(plan.Findings, f => f.Code == FindingCodes.ActiveCountMismatch);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Contains("active_agents is 5 but 2", finding.Message, StringComparison.Ordinal);
        Assert.Equal([new SetCounter("active_agents", 5, 2)], plan.Edits.AsEnumerable());
    }

    [Fact]
    public void Global_active_agents_is_not_recomputed_while_a_task_registry_is_unreadable()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1"), Agent("gone")),
            UnreadableTask("TASK-B"),
            GlobalRegistry(9, Entry("a1", "TASK-A"), Entry("gone", "TASK-A"), Entry("b1", "TASK-B")));

        var plan = Judge(workspace, Listed("agent_a1")).GlobalPlan();

        Assert.Empty(plan.Edits.OfType<SetCounter>());
        var finding = Assert.Single(plan.Findings, f => f.Code == FindingCodes.CountsUnverifiable);
        Assert.Equal(Severity.Medium, finding.Severity);
        Assert.Equal(9, plan.After.Active);
    }

    [Fact]
    public void An_unreadable_task_registry_still_lets_the_readable_ones_be_repaired()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("gone")), UnreadableTask("TASK-B"));

        var verdict = Judge(workspace, Listed());

        Assert.Single(verdict.PlanOf("TASK-A").Edits.OfType<EndAgent>());
        Assert.Null(verdict.Registries.Single(r => r.Registry.TaskId == "TASK-B").Plan);
    }
}
