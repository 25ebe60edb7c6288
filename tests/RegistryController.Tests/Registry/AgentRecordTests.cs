using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

/// <summary>An agent entry behaves as a record of all its fields, however they were set.</summary>
public class AgentRecordTests
{
    private static AgentRecord Whole() => new(
        "a1", 0, "terminated", "agent_a1", "2026-11-30T09:00:00", "TASK-A", "logs/a1_stream.jsonl", "progress/a1_progress.jsonl",
        "session_not_found", "2026-11-30T10:00:00", null, "2026-11-30T10:00:00", "registryctl", "tmux: no session", 41, null);

    [Fact]
    public void An_entry_built_field_by_field_equals_one_built_whole()
    {
        var byFields = new AgentRecord("a1", 0, "running", "agent_a1", null, "TASK-A") with
        {
            Status = "terminated",
            StartedAt = "2026-11-30T09:00:00",
            LogFile = "logs/a1_stream.jsonl",
            ProgressFile = "progress/a1_progress.jsonl",
            TerminationReason = "session_not_found",
            TerminatedAt = "2026-11-30T10:00:00",
            LastUpdate = "2026-11-30T10:00:00",
            ReconciledBy = "registryctl",
            OutcomeEvidence = "tmux: no session",
            ClaudePid = 41,
        };

        Assert.Equal(Whole(), byFields);
        Assert.Equal(Whole().GetHashCode(), byFields.GetHashCode());
    }

    [Fact]
    public void An_entry_whose_running_and_ending_fields_are_all_cleared_equals_one_that_never_had_them()
    {
        var cleared = Whole() with
        {
            StartedAt = null,
            LogFile = null,
            ProgressFile = null,
            ClaudePid = null,
            TerminationReason = null,
            TerminatedAt = null,
            LastUpdate = null,
            ReconciledBy = null,
            OutcomeEvidence = null,
        };

        Assert.Equal(new AgentRecord("a1", 0, "terminated", "agent_a1", null, "TASK-A"), cleared);
    }

    [Fact]
    public void A_changed_field_makes_another_entry_and_leaves_the_first_as_it_was()
    {
        var first = Whole();

        var second = first with { CompletedAt = "2026-11-30T10:00:01", CursorPid = 7 };

        Assert.NotEqual(first, second);
        Assert.Equal((null, null), (first.CompletedAt, first.CursorPid));
        Assert.Equal(("2026-11-30T10:00:01", 7, "session_not_found", 41), (second.CompletedAt, second.CursorPid, second.TerminationReason, second.ClaudePid));
    }
}
