using RegistryController.Judgement;
using RegistryController.Registry;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

public class GlobalMirrorVerdictTests
{
    private const string Finished = "2025-10-17T21:40:34.547608";

    [Theory]
    [InlineData(null)]
    [InlineData("running")]
    [InlineData("blocked")]
    public void A_completed_agent_is_mirrored_onto_a_global_entry_with_no_or_an_active_status(string? globalStatus)
    {
        var done = Agent("a1", status: "completed", lastUpdate: Finished) with { CompletedAt = Finished };
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", done),
            GlobalRegistry(0, Entry("a1", "TASK-A", globalStatus)));

        var plan = Judge(workspace, Listed()).GlobalPlan();

        var mirror = Assert.Single(plan.Edits.OfType<MirrorAgentStatus>());
        Assert.Equal(("a1", globalStatus, "completed"), (mirror.AgentId, mirror.OldStatus, mirror.NewStatus));
        Assert.Equal(
            new Dictionary<string, string> { ["completed_at"] = Finished, ["last_update"] = Finished },
            mirror.CopiedFields.ToDictionary());
        var finding = Assert.Single(plan.Findings);
        Assert.Equal((Severity.High, FindingCodes.GlobalOutOfStep), (finding.Severity, finding.Code));
    }

    [Fact]
    public void A_global_entry_follows_the_last_agent_with_its_exact_id()
    {
        // Ids of one task differ mostly in their last characters; an id may repeat (the last entry is the agent).
        var workspace = WorkspaceOf(
            TaskRegistry(
                "TASK-A",
                Agent("builder-091907-d58d0f", status: "failed", lastUpdate: Finished),
                Agent("builder-091907-d58d0e", status: "completed", lastUpdate: Finished),
                Agent("builder-091907-d58d0", status: "completed", lastUpdate: Finished),
                Agent("builder-091907-d58d0f", status: "completed", lastUpdate: Finished)),
            GlobalRegistry(0, Entry("builder-091907-d58d0f", "TASK-A", "running")));

        var plan = Judge(workspace, Listed()).GlobalPlan();

        var mirror = Assert.Single(plan.Edits.OfType<MirrorAgentStatus>());
        Assert.Equal(("builder-091907-d58d0f", "completed"), (mirror.AgentId, mirror.NewStatus));
    }

    [Fact]
    public void A_terminated_agent_is_mirrored_with_its_termination_reason_and_time()
    {
        var ended = Agent("a1", status: "terminated", lastUpdate: Finished) with { TerminationReason = "user_request", TerminatedAt = Finished };
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", ended),
            GlobalRegistry(0, Entry("a1", "TASK-A", "running")));

        var plan = Judge(workspace, Listed()).GlobalPlan();

        var mirror = Assert.Single(plan.Edits.OfType<MirrorAgentStatus>());
        Assert.Equal("terminated", mirror.NewStatus);
        Assert.Equal(
            new Dictionary<string, string> { ["termination_reason"] = "user_request", ["terminated_at"] = Finished, ["last_update"] = Finished },
            mirror.CopiedFields.ToDictionary());
    }

    [Fact]
    public void A_zombie_terminated_in_this_pass_is_mirrored_with_this_passs_reason_time_and_attribution()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("gone")),
            GlobalRegistry(1, Entry("gone", "TASK-A")));

        var plan = Judge(workspace, Listed()).GlobalPlan();

        var now = Clock.NowAsPythonIsoformat();
        var mirror = Assert.Single(plan.Edits.OfType<MirrorAgentStatus>());
        Assert.Equal((null, "terminated"), (mirror.OldStatus, mirror.NewStatus));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["termination_reason"] = ZombieReasons.SessionNotFound,
                ["terminated_at"] = now,
                ["last_update"] = now,
                ["reconciled_by"] = "registryctl",
                ["outcome_evidence"] = EndingEvidence.None.Describe(),
            },
            mirror.CopiedFields.ToDictionary());
        // Following this pass's own termination is not a separate discrepancy.
        Assert.DoesNotContain(plan.Findings, f => f.Code == FindingCodes.GlobalOutOfStep);
    }

    [Fact]
    public void A_global_entry_already_in_step_is_left_alone()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("done", status: "completed"), Agent("alive")),
            GlobalRegistry(1, Entry("done", "TASK-A", "completed"), Entry("alive", "TASK-A")));

        var plan = Judge(workspace, Listed("agent_alive")).GlobalPlan();

        Assert.Empty(plan.Edits);
        Assert.Empty(plan.Findings);
    }

    [Fact]
    public void An_active_task_agent_with_a_terminal_global_entry_is_a_medium_finding_and_not_changed()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("alive")),
            GlobalRegistry(1, Entry("alive", "TASK-A", "completed")));

        var plan = Judge(workspace, Listed("agent_alive")).GlobalPlan();

        Assert.Empty(plan.Edits);
        var finding = Assert.Single(plan.Findings);
        Assert.Equal((Severity.Medium, FindingCodes.GlobalOutOfStep), (finding.Severity, finding.Code));
        Assert.Contains("not changed", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("paused")]
    [InlineData("archived")]
    public void A_global_entry_with_an_unknown_status_is_never_touched(string unknown)
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("done", status: "completed")),
            GlobalRegistry(0, Entry("done", "TASK-A", unknown)));

        var plan = Judge(workspace, Listed()).GlobalPlan();

        Assert.Empty(plan.Edits);
    }

    [Fact]
    public void Global_agents_of_tasks_without_a_registry_make_one_aggregated_info_finding()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("alive")),
            GlobalRegistry(
                1,
                Entry("alive", "TASK-A"),
                Entry("old1", "TASK-OLD1", "completed"),
                Entry("old2", "TASK-OLD1", "completed"),
                Entry("old3", "TASK-OLD2")));

        var plan = Judge(workspace, Listed("agent_alive")).GlobalPlan();

        var finding = Assert.Single(plan.Findings);
        Assert.Equal((Severity.Info, FindingCodes.GlobalAgentUnknown), (finding.Severity, finding.Code));
        Assert.Contains("3 global agents", finding.Message, StringComparison.Ordinal);
        Assert.Contains("TASK-OLD1", finding.Message, StringComparison.Ordinal);
        Assert.Contains("TASK-OLD2", finding.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Edits);
    }

    [Fact]
    public void A_global_agent_missing_from_its_tasks_registry_is_a_low_finding()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("alive")),
            GlobalRegistry(1, Entry("alive", "TASK-A"), Entry("lost", "TASK-A", "running")));

        var plan = Judge(workspace, Listed("agent_alive")).GlobalPlan();

        var finding = Assert.Single(plan.Findings);
        Assert.Equal((Severity.Low, FindingCodes.GlobalAgentUnknown), (finding.Severity, finding.Code));
        Assert.Empty(plan.Edits);
    }

    [Fact]
    public void Global_agents_of_an_unreadable_task_are_neither_mirrored_nor_called_unknown()
    {
        var workspace = WorkspaceOf(
            UnreadableTask("TASK-B"),
            GlobalRegistry(1, Entry("b1", "TASK-B", "running")));

        var plan = Judge(workspace, Listed()).GlobalPlan();

        Assert.Empty(plan.Edits);
        Assert.DoesNotContain(plan.Findings, f => f.Code == FindingCodes.GlobalAgentUnknown);
    }

    [Fact]
    public void A_large_global_registry_is_planned_entry_by_entry_in_its_own_order()
    {
        // Thousands of entries are planned across the cores in runs; what they find must read as one loop's would.
        const int Tasks = 600;
        var tasks = Enumerable.Range(0, Tasks).Select(t => TaskRegistry($"TASK-{t:D4}",
            Agent($"done-{t:D4}", status: "completed", lastUpdate: Finished) with { CompletedAt = Finished },
            Agent($"alive-{t:D4}", session: $"agent_alive-{t:D4}")));
        var entries = Enumerable.Range(0, Tasks).SelectMany(t => new[]
        {
            Entry($"done-{t:D4}", $"TASK-{t:D4}", "running"),
            Entry($"alive-{t:D4}", $"TASK-{t:D4}", "running"),
            Entry($"history-{t:D4}", $"TASK-GONE-{t % 7}"),
        });
        var workspace = WorkspaceOf([.. tasks, GlobalRegistry(null, [.. entries])]);

        var plan = Judge(workspace, Listed([.. Enumerable.Range(0, Tasks).Select(t => $"agent_alive-{t:D4}")])).GlobalPlan();

        Assert.Equal(Enumerable.Range(0, Tasks).Select(t => $"done-{t:D4}"), plan.Edits.OfType<MirrorAgentStatus>().Select(m => m.AgentId));
        Assert.Equal(Enumerable.Range(0, Tasks).Select(t => $"global agent done-{t:D4} is running but task TASK-{t:D4} says completed"), plan.Findings.Where(f => f.Code == FindingCodes.GlobalOutOfStep).Select(f => f.Message));
        var history = Assert.Single(plan.Findings, f => f.Code == FindingCodes.GlobalAgentUnknown);
        Assert.Equal("600 global agents name 7 tasks with no registry here (TASK-GONE-0, TASK-GONE-1, TASK-GONE-2, …): history, left as is", history.Message);
    }
}
