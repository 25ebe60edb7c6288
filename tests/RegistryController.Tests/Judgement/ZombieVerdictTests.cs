using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Tmux;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

public class ZombieVerdictTests
{
    [Fact]
    public void An_active_agent_whose_session_is_gone_is_a_zombie_terminated_with_reason_session_not_found()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("alive"), Agent("gone")));

        var plan = Judge(workspace, Listed("agent_alive")).PlanOf("TASK-A");

        var zombie = Assert.Single(plan.Zombies);
        Assert.Equal(new Zombie("gone", "agent_gone", "running", ZombieReasons.SessionNotFound), zombie);
        var terminate = Assert.Single(plan.Edits.OfType<EndAgent>());
        Assert.Equal(Verdicts.Terminated("gone", 1, "running", ZombieReasons.SessionNotFound, Clock.NowAsPythonIsoformat()), terminate);
        Assert.Contains(plan.Findings, f => f.Code == FindingCodes.Zombie && f.Severity == Severity.High && f.Message.Contains("agent_gone", StringComparison.Ordinal));
    }

    [Fact]
    public void An_active_agent_whose_panes_are_all_dead_is_a_zombie_with_reason_pane_dead()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("exited")));

        var plan = Judge(workspace, Listed([], ["agent_exited"])).PlanOf("TASK-A");

        var zombie = Assert.Single(plan.Zombies);
        Assert.Equal(ZombieReasons.PaneDead, zombie.Reason);
        Assert.Equal(ZombieReasons.PaneDead, Assert.Single(plan.Edits.OfType<EndAgent>()).TerminationReason);
    }

    [Fact]
    public void An_agent_whose_session_still_has_one_live_pane_among_dead_ones_is_alive()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("mixed")));
        var view = TmuxView.Listed([new TmuxSession("agent_mixed", SessionCreated, Panes: 2, DeadPanes: 1)], "socket /test", TimeSpan.Zero);

        var plan = Judge(workspace, view).PlanOf("TASK-A");

        Assert.Empty(plan.Zombies);
        Assert.Empty(plan.Edits);
    }

    [Fact]
    public void An_agent_with_a_live_session_is_left_untouched()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("alive")));

        var verdict = Judge(workspace, Listed("agent_alive"));

        var registry = Assert.Single(verdict.Registries);
        Assert.True(registry.IsHealthy);
        Assert.Empty(registry.Plan!.Zombies);
        Assert.Empty(registry.Plan.Edits);
        Assert.Empty(registry.Plan.Findings);
    }

    [Fact]
    public void The_session_named_in_the_registry_is_looked_up_not_the_conventional_name()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("renamed", session: "custom-session")));

        var plan = Judge(workspace, Listed("agent_renamed")).PlanOf("TASK-A");

        Assert.Equal("custom-session", Assert.Single(plan.Zombies).Session);
    }

    [Fact]
    public void An_agent_started_within_the_grace_period_is_never_a_zombie_even_with_no_session()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("young", startedAt: Ago(TimeSpan.FromSeconds(29)))));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Empty(plan.Zombies);
        Assert.Empty(plan.Edits);
        Assert.Equal(["young"], plan.FreshAgents.AsEnumerable());
    }

    [Fact]
    public void An_agent_exactly_as_old_as_the_grace_period_is_judged()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("boundary", startedAt: Ago(TimeSpan.FromSeconds(30)))));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Equal("boundary", Assert.Single(plan.Zombies).AgentId);
        Assert.Empty(plan.FreshAgents);
    }

    [Fact]
    public void An_agent_one_microsecond_short_of_the_grace_period_is_spared()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("almost", startedAt: Ago(TimeSpan.FromSeconds(30) - TimeSpan.FromMicroseconds(1)))));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Empty(plan.Zombies);
        Assert.Equal(["almost"], plan.FreshAgents.AsEnumerable());
    }

    [Fact]
    public void A_configured_grace_period_replaces_the_default()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("slow-starter", startedAt: Ago(TimeSpan.FromMinutes(2)))));

        var withDefault = Judge(workspace, Listed()).PlanOf("TASK-A");
        var withLongGrace = Judge(workspace, Listed(), Options with { Grace = TimeSpan.FromMinutes(5) }).PlanOf("TASK-A");

        Assert.Single(withDefault.Zombies);
        Assert.Empty(withLongGrace.Zombies);
    }

    [Fact]
    public void An_agent_whose_started_at_lies_in_the_future_is_spared()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("skewed", startedAt: Ago(TimeSpan.FromHours(-3)))));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Empty(plan.Zombies);
        Assert.Empty(plan.Edits);
        Assert.Equal(["skewed"], plan.FreshAgents.AsEnumerable());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a timestamp")]
    public void An_agent_without_a_readable_started_at_is_judged_normally(string? startedAt)
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("undated", startedAt: startedAt)));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Equal("undated", Assert.Single(plan.Zombies).AgentId);
        Assert.Single(plan.Edits.OfType<EndAgent>());
    }

    [Fact]
    public void A_naive_started_at_is_read_in_the_clocks_time_zone()
    {
        // 21:59:50 naive in UTC+2 is 19:59:50 UTC: two hours old at 22:00 UTC, not ten seconds.
        var plus2 = TimeZoneInfo.CreateCustomTimeZone("UTC+2", TimeSpan.FromHours(2), "UTC+2", "UTC+2");
        var clock = Clock with { Zone = plus2 };
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("local", startedAt: "2025-10-17T21:59:50.000001")));

        var inUtc = Reconciler.Judge(workspace, Listed(), Clock, Options, ReconcileScope.Everything).PlanOf("TASK-A");
        var inPlus2 = Reconciler.Judge(workspace, Listed(), clock, Options, ReconcileScope.Everything).PlanOf("TASK-A");

        Assert.Empty(inUtc.Zombies);
        Assert.Single(inPlus2.Zombies);
    }

    [Fact]
    public void An_active_agent_that_records_no_session_is_reported_not_terminated()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("sessionless", session: null)));

        var plan = Judge(workspace, Listed()).PlanOf("TASK-A");

        Assert.Empty(plan.Zombies);
        Assert.Empty(plan.Edits);
        var finding = Assert.Single(plan.Findings);
        Assert.Equal((Severity.Medium, FindingCodes.NoSessionRecorded), (finding.Severity, finding.Code));
    }

    [Fact]
    public void The_termination_targets_the_list_entry_even_when_an_agent_id_repeats()
    {
        // Ids are not guaranteed unique in a task's list: the edit names the position it judged.
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("dup", status: "completed"), Agent("dup", session: "agent_dup_2")));

        var plan = Judge(workspace, Listed("agent_dup")).PlanOf("TASK-A");

        Assert.Equal(1, Assert.Single(plan.Edits.OfType<EndAgent>()).Index);
    }
}
