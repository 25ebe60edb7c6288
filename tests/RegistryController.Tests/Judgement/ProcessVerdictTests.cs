using RegistryController.Judgement;
using RegistryController.Processes;
using RegistryController.Registry;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

/// <summary>Agents judged by their recorded processes (<c>claude_pid</c>, <c>cursor_pid</c>) as well as by tmux.</summary>
public class ProcessVerdictTests
{
    private const string Task = "TASK-A";

    [Fact]
    public void An_agent_whose_session_lives_is_alive_even_when_its_recorded_process_is_gone()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("a") with { ClaudePid = 4242 }).WithProcess(new ProcessSighting(4242, ProcessState.NotFound)));

        var plan = Judge(workspace, Listed("agent_a")).PlanOf(Task);

        Assert.Empty(plan.Zombies);
        Assert.Empty(plan.Findings);
    }

    [Fact]
    public void An_agent_whose_session_is_gone_but_whose_own_process_runs_is_left_alone_and_reported()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("a") with { ClaudePid = 4242 }).WithProcess(Running(4242, before: TimeSpan.FromSeconds(1))));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Empty(plan.Zombies);
        Assert.Empty(plan.Edits);
        var finding = Assert.Single(plan.Findings);
        Assert.Equal((FindingCodes.ProcessOutlivesSession, Severity.Medium), (finding.Code, finding.Severity));
        Assert.Contains("process 4242 runs", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_agent_whose_session_is_gone_and_whose_pid_was_reused_is_a_zombie_of_its_session()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("a") with { ClaudePid = 4242 }).WithProcess(Running(4242, before: TimeSpan.FromMinutes(-5))));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        var zombie = Assert.Single(plan.Zombies);
        Assert.Equal((ZombieReasons.SessionNotFound, ZombieReasons.ProcessReused), (zombie.Reason, zombie.Process?.Reason));
        Assert.Contains(plan.Findings, f => f.Code == FindingCodes.Zombie && f.Message.Contains("pid 4242 now belongs to a process started", StringComparison.Ordinal));
    }

    [Fact]
    public void An_agent_whose_session_is_gone_and_whose_process_cannot_be_read_is_a_zombie_as_before()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("a") with { ClaudePid = 4242 })
            .WithProcess(new ProcessSighting(4242, ProcessState.Unreadable, Problem: "/proc/4242/stat: permission denied")));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Equal(ZombieReasons.SessionNotFound, Assert.Single(plan.Zombies).Reason);
    }

    [Fact]
    public void An_agent_without_a_session_whose_process_runs_is_alive()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { CursorPid = 4242 }).WithProcess(Running(4242, before: TimeSpan.FromSeconds(1))));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Empty(plan.Zombies);
        Assert.Empty(plan.Findings);
    }

    [Fact]
    public void An_agent_without_a_session_whose_process_does_not_exist_is_a_zombie_terminated_with_reason_process_not_found()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { CursorPid = 4242 }).WithProcess(new ProcessSighting(4242, ProcessState.NotFound)));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        var zombie = Assert.Single(plan.Zombies);
        Assert.Equal((string.Empty, ZombieReasons.ProcessNotFound), (zombie.Session, zombie.Reason));
        Assert.Equal(Verdicts.Terminated("c", 0, "running", ZombieReasons.ProcessNotFound, Clock.NowAsPythonIsoformat()), Assert.Single(plan.Edits.OfType<EndAgent>()));
        Assert.Contains(plan.Findings, f => f.Code == FindingCodes.Zombie && f.Message.Contains("process 4242 does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void An_agent_without_a_session_whose_process_is_defunct_is_a_zombie_with_reason_process_exited()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { CursorPid = 4242 }).WithProcess(new ProcessSighting(4242, ProcessState.Exited)));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Equal(ZombieReasons.ProcessExited, Assert.Single(plan.Zombies).Reason);
    }

    [Fact]
    public void An_agent_without_a_session_whose_pid_belongs_to_a_later_process_is_a_zombie_with_reason_process_reused()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { CursorPid = 4242 }).WithProcess(Running(4242, before: TimeSpan.FromSeconds(-3))));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Equal(ZombieReasons.ProcessReused, Assert.Single(plan.Zombies).Reason);
    }

    [Fact]
    public void A_process_that_seems_to_start_a_second_after_the_agent_is_still_the_agents_own()
    {
        // /proc knows a start to within a second: the orchestrator's Popen precedes its started_at, yet may read later.
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { CursorPid = 4242 }).WithProcess(Running(4242, before: TimeSpan.FromSeconds(-1))));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Empty(plan.Zombies);
    }

    [Fact]
    public void A_running_process_of_an_agent_with_no_readable_start_is_given_the_benefit_of_the_doubt()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null, startedAt: null) with { CursorPid = 4242 }).WithProcess(Running(4242, before: TimeSpan.FromMinutes(-5))));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Empty(plan.Zombies);
    }

    [Fact]
    public void An_agent_without_a_session_is_judged_by_its_process_even_when_tmux_cannot_be_seen()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { CursorPid = 4242 }).WithProcess(new ProcessSighting(4242, ProcessState.NotFound)));

        var plan = Judge(workspace, Broken()).PlanOf(Task);

        Assert.Equal(ZombieReasons.ProcessNotFound, Assert.Single(plan.Zombies).Reason);
    }

    [Fact]
    public void One_live_process_of_two_recorded_keeps_the_agent_alive()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { ClaudePid = 4242, CursorPid = 4343 })
            .WithProcess(new ProcessSighting(4242, ProcessState.NotFound))
            .WithProcess(Running(4343, before: TimeSpan.FromSeconds(1))));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Empty(plan.Zombies);
    }

    [Fact]
    public void An_agent_without_a_session_or_a_pid_is_reported_as_recording_no_session()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null)));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Empty(plan.Zombies);
        Assert.Equal(FindingCodes.NoSessionRecorded, Assert.Single(plan.Findings).Code);
    }

    [Fact]
    public void An_agent_without_a_session_whose_process_was_never_looked_at_is_not_ended()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { CursorPid = 4242 }));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Empty(plan.Zombies);
        Assert.Contains("was not looked at", Assert.Single(plan.Findings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_agent_without_a_session_whose_process_ended_takes_its_ending_from_its_stream_log()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null) with { CursorPid = 4242 })
            .WithProcess(new ProcessSighting(4242, ProcessState.NotFound))
            .WithEvidence("c", Result("c")));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        var end = Assert.Single(plan.Edits.OfType<EndAgent>());
        Assert.Equal(("completed", null), (end.NewStatus, end.TerminationReason));
    }

    [Fact]
    public void A_fresh_agent_without_a_session_is_not_judged_by_its_process()
    {
        var workspace = WorkspaceOf(TaskRegistry(Task, Agent("c", session: null, startedAt: Ago(TimeSpan.FromSeconds(5))) with { CursorPid = 4242 })
            .WithProcess(new ProcessSighting(4242, ProcessState.NotFound)));

        var plan = Judge(workspace, Listed()).PlanOf(Task);

        Assert.Empty(plan.Zombies);
        Assert.Equal(["c"], plan.FreshAgents.AsEnumerable());
    }

    [Theory]
    [InlineData("agent_a", false)]
    [InlineData(null, true)]
    public void Only_an_agent_whose_liveness_is_in_question_has_its_process_looked_at(string? liveSession, bool inQuestion)
    {
        var agent = AgentState.Of(Agent("a") with { ClaudePid = 4242 }, Task);

        Assert.Equal(inQuestion, AgentJudge.ProcessInQuestion(agent, liveSession is null ? Listed() : Listed(liveSession), Clock, Options));
    }

    [Fact]
    public void An_agent_that_records_no_pid_has_no_process_looked_at()
    {
        Assert.False(AgentJudge.ProcessInQuestion(AgentState.Of(Agent("c", session: null), Task), Listed(), Clock, Options));
    }
}
