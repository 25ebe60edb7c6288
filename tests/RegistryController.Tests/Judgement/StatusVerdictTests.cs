using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

public class StatusVerdictTests
{
    [Theory]
    [InlineData("running")]
    [InlineData("working")]
    [InlineData("blocked")]
    [InlineData("reviewing")]
    public void Every_active_status_is_judged(string status)
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("a1", status: status)));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Equal(status, Assert.Single(plan.Zombies).OldStatus);
        Assert.Equal(status, Assert.Single(plan.Edits.OfType<EndAgent>()).OldStatus);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("failed")]
    [InlineData("error")]
    [InlineData("terminated")]
    [InlineData("killed")]
    [InlineData("paused")]
    [InlineData("RUNNING")]
    [InlineData("")]
    [InlineData(null)]
    public void An_agent_whose_status_is_not_active_is_never_touched(string? status)
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("a1", status: status)));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Empty(plan.Zombies);
        Assert.Empty(plan.Edits);
    }

    [Theory]
    [InlineData("in_progress")]
    [InlineData("paused")]
    public void A_status_the_orchestrator_does_not_know_is_reported_by_name_and_never_changed(string status)
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("a1", status: status)], activeCount: 0));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        var finding = Assert.Single(plan.Findings, f => f.Code == FindingCodes.UnknownStatus);
        Assert.Equal(Severity.Medium, finding.Severity);
        Assert.Contains($"agent a1 has status \"{status}\"", finding.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Edits);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("terminated")]
    public void A_finished_agent_is_no_finding(string status)
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("a1", status: status)], activeCount: 0));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.DoesNotContain(plan.Findings, f => f.Code == FindingCodes.UnknownStatus);
    }

    [Fact]
    public void A_status_added_to_the_configured_active_set_is_judged()
    {
        var options = Options with { ActiveStatuses = Options.ActiveStatuses.Add("paused") };
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("a1", status: "paused")], activeCount: 1));

        var plan = Judge(workspace, Listed(), options).PlanOf("TASK-A");

        Assert.Equal("paused", Assert.Single(plan.Zombies).OldStatus);
        Assert.Contains(new SetCounter("active_count", 1, 0), plan.Edits);
    }

    [Fact]
    public void A_status_removed_from_the_configured_active_set_is_no_longer_judged()
    {
        var options = Options with { ActiveStatuses = ImmutableHashSet.Create(StringComparer.Ordinal, "running") };
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", [Agent("waiting", status: "blocked"), Agent("busy", status: "running")], activeCount: 1));

        var plan = Judge(workspace, Listed(), options).PlanOf("TASK-A");

        Assert.Equal("busy", Assert.Single(plan.Zombies).AgentId);
        Assert.DoesNotContain(plan.Edits.OfType<EndAgent>(), t => t.AgentId == "waiting");
    }
}
