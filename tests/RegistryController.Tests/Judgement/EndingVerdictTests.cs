using RegistryController.Judgement;
using RegistryController.Registry;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

/// <summary>How a zombie ended: what its files say decides the status it is given.</summary>
public class EndingVerdictTests
{
    private static EndAgent EndingOf(RegistrySnapshot task, RegistryController.Tmux.TmuxView? view = null) =>
        Assert.Single(Judge(WorkspaceOf(task), view ?? Listed()).PlanOf("TASK-A").Edits.OfType<EndAgent>());

    [Fact]
    public void A_zombie_whose_stream_log_ends_in_a_successful_result_is_completed_not_terminated()
    {
        var end = EndingOf(TaskRegistry("TASK-A", Agent("fixer")).WithEvidence("fixer", Result("fixer")));

        Assert.Equal(("completed", null), (end.NewStatus, end.TerminationReason));
        Assert.Equal("stream log result (success): logs/fixer_stream.jsonl", end.Evidence);
    }

    [Fact]
    public void A_zombie_whose_result_line_is_an_error_is_failed_whatever_its_subtype()
    {
        // A usage-limit end is subtype success with is_error true: is_error decides.
        var end = EndingOf(TaskRegistry("TASK-A", Agent("tester")).WithEvidence("tester", Result("tester", isError: true)));

        Assert.Equal(("failed", null), (end.NewStatus, end.TerminationReason));
    }

    [Fact]
    public void The_agents_own_completion_report_decides_before_its_stream_log()
    {
        var task = TaskRegistry("TASK-A", Agent("reviewer")).WithEvidence("reviewer", Result("reviewer", isError: true), Reported("reviewer", "completed", Ago(TimeSpan.FromMinutes(1))));

        var end = EndingOf(task);

        Assert.Equal("completed", end.NewStatus);
        Assert.Equal("progress report (completed): progress/reviewer_progress.jsonl", end.Evidence);
    }

    [Fact]
    public void A_completion_report_older_than_the_agents_start_belongs_to_an_earlier_run_and_is_ignored()
    {
        var task = TaskRegistry("TASK-A", Agent("again", startedAt: Ago(TimeSpan.FromMinutes(10)))).WithEvidence("again", report: Reported("again", "completed", Ago(TimeSpan.FromMinutes(20))));

        var end = EndingOf(task);

        Assert.Equal(("terminated", ZombieReasons.SessionNotFound), (end.NewStatus, end.TerminationReason));
    }

    [Fact]
    public void A_zombie_with_no_evidence_is_terminated_with_the_reason_tmux_gave()
    {
        var end = EndingOf(TaskRegistry("TASK-A", Agent("crashed")));

        Assert.Equal(("terminated", ZombieReasons.SessionNotFound), (end.NewStatus, end.TerminationReason));
        Assert.Equal(EndingEvidence.None.Describe(), end.Evidence);
    }

    [Fact]
    public void A_dead_pane_with_a_successful_result_is_completed_and_no_pane_dead_is_written()
    {
        var end = EndingOf(TaskRegistry("TASK-A", Agent("exited")).WithEvidence("exited", Result("exited")), Listed([], ["agent_exited"]));

        Assert.Equal(("completed", null), (end.NewStatus, end.TerminationReason));
    }

    [Fact]
    public void A_tripped_mass_guard_holds_completions_too()
    {
        var agents = Enumerable.Range(0, 6).Select(i => Agent($"a{i}")).ToArray();
        var task = agents.Aggregate(TaskRegistry("TASK-A", agents), (t, a) => t.WithEvidence(a.Id, Result(a.Id)));

        var verdict = Judge(WorkspaceOf(task), Listed());

        Assert.True(verdict.Guard.Holds);
        Assert.Empty(verdict.AllEdits());
    }

    [Fact]
    public void A_fresh_agent_with_a_result_line_is_not_judged()
    {
        var task = TaskRegistry("TASK-A", Agent("new", startedAt: Ago(TimeSpan.FromSeconds(5)))).WithEvidence("new", Result("new"));

        var plan = Judge(WorkspaceOf(task), Listed()).PlanOf("TASK-A");

        Assert.Empty(plan.Edits);
        Assert.Equal("new", Assert.Single(plan.FreshAgents));
    }

    [Fact]
    public void A_broken_view_ends_nobody_whatever_their_files_say()
    {
        var task = TaskRegistry("TASK-A", Agent("fixer")).WithEvidence("fixer", Result("fixer"));

        Assert.Empty(Judge(WorkspaceOf(task), Broken()).AllEdits());
    }

    [Fact]
    public void The_global_entry_mirrors_a_completion_with_its_time_and_evidence_and_no_termination_reason()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("fixer")).WithEvidence("fixer", Result("fixer")),
            GlobalRegistry(1, Entry("fixer", "TASK-A")));

        var mirror = Assert.Single(Judge(workspace, Listed()).GlobalPlan().Edits.OfType<MirrorAgentStatus>());

        Assert.Equal("completed", mirror.NewStatus);
        var copied = mirror.CopiedFields.ToDictionary();
        Assert.Equal(Clock.NowAsPythonIsoformat(), copied["completed_at"]);
        Assert.Equal("registryctl", copied["reconciled_by"]);
        Assert.DoesNotContain("termination_reason", copied.Keys);
    }
}
