using RegistryController.Evidence;

namespace RegistryController.Tests.Evidence;

/// <summary>The agent's own last terminal report in its progress file, as update_agent_progress appends it.</summary>
public class ProgressReportEvidenceTests
{
    [Fact]
    public void A_terminal_line_followed_by_a_torn_line_is_the_report_and_the_torn_line_is_no_problem()
    {
        using var task = new EvidenceTask();
        var file = EvidenceTask.Write(
            task.ProgressFile(),
            [EvidenceTask.Progress("working", 70, "Reviewed half"), EvidenceTask.Progress("completed", 100, "Completed: all done", "2026-11-30T09:19:15.802989")],
            tail: """{"timestamp": "2026-11-30T09:19:16.1", "agent_id": "fix""");

        var evidence = task.Read();

        Assert.Equal(new ProgressReport(file, "completed", "Completed: all done", 100, "2026-11-30T09:19:15.802989"), evidence.TerminalReport);
        Assert.Empty(evidence.Problems);
    }

    [Fact]
    public void A_progress_file_without_a_terminal_line_gives_no_report()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.ProgressFile(), [EvidenceTask.Progress("working", 20), EvidenceTask.Progress("blocked", 30)]);

        var evidence = task.Read();

        Assert.Same(AgentEvidence.None, evidence);
    }

    [Fact]
    public void A_later_report_that_is_not_terminal_outweighs_an_earlier_ending()
    {
        // The agent said it was done, then carried on: its last word is that it works, not how it ended.
        using var task = new EvidenceTask();
        EvidenceTask.Write(
            task.ProgressFile(),
            [EvidenceTask.Progress("failed", 40, "first end"), EvidenceTask.Progress("completed", 100, "second end"), EvidenceTask.Progress("working", 100, "still here")]);

        var evidence = task.Read();

        Assert.Null(evidence.TerminalReport);
    }

    [Fact]
    public void The_last_of_several_endings_is_the_report()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.ProgressFile(), [EvidenceTask.Progress("failed", 40, "first end"), EvidenceTask.Progress("completed", 100, "second end")]);

        var evidence = task.Read();

        Assert.Equal(("completed", "second end"), (evidence.TerminalReport?.Status, evidence.TerminalReport?.Message));
    }

    [Fact]
    public void Which_statuses_are_terminal_is_the_callers_word()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.ProgressFile(), [EvidenceTask.Progress("completed", 100), EvidenceTask.Progress("killed", 100)]);

        var evidence = AgentEvidenceReader.Read(task.Path, EvidenceTask.Agent, new HashSet<string>(["killed"], StringComparer.Ordinal));

        Assert.Equal("killed", evidence.TerminalReport?.Status);
    }

    [Fact]
    public void Malformed_lines_are_named_once_and_do_not_hide_a_terminal_line_before_them()
    {
        using var task = new EvidenceTask();
        var file = EvidenceTask.Write(task.ProgressFile(), [EvidenceTask.Progress("completed", 100), "[1, 2, 3]", "not json at all"]);

        var evidence = task.Read();

        Assert.Equal("completed", evidence.TerminalReport?.Status);
        var problem = Assert.Single(evidence.Problems);
        Assert.Equal(file, problem.File);
        Assert.Contains("is not JSON", problem.Problem, StringComparison.Ordinal);
        Assert.Contains("1 more", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_progress_file_only_in_archive_is_read_there()
    {
        using var task = new EvidenceTask();
        var archived = EvidenceTask.Write(task.ProgressFile("archive"), [EvidenceTask.Progress("working", 50), EvidenceTask.Progress("completed", 100)]);

        var evidence = task.Read();

        Assert.Equal(archived, evidence.TerminalReport?.File);
    }

    [Fact]
    public void A_progress_written_as_a_whole_float_is_kept_and_a_fraction_is_not()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.ProgressFile(), ["""{"timestamp": "2026-11-30T09:19:15", "status": "completed", "progress": 100.0}"""]);
        using var other = new EvidenceTask();
        EvidenceTask.Write(other.ProgressFile(), ["""{"timestamp": "2026-11-30T09:19:15", "status": "completed", "progress": 99.5}"""]);

        Assert.Equal(100, task.Read().TerminalReport?.Progress);
        Assert.Null(other.Read().TerminalReport?.Progress);
    }
}
