using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

/// <summary>What ending an agent writes: what the orchestrator's own transition to that status writes, and who wrote it.</summary>
public class AgentEndFieldsTests
{
    private const string Now = "2026-11-30T10:50:38.125856";

    private static Dictionary<string, string> Fields(string status, string? reason) =>
        AgentEndFields.For(new EndAgent("a1", 0, "running", status, reason, "evidence", Now)).ToDictionary(f => f.Key, f => f.Value.ToJsonString());

    [Fact]
    public void A_completion_writes_progress_100_and_completed_at_and_no_termination_reason()
    {
        var fields = Fields("completed", null);

        Assert.Equal(["status", "progress", "completed_at", "last_update", "reconciled_by", "outcome_evidence"], fields.Keys);
        Assert.Equal("100", fields["progress"]);
        Assert.Equal($"\"{Now}\"", fields["completed_at"]);
    }

    [Fact]
    public void A_failure_writes_its_status_and_time_as_the_orchestrator_does_and_nothing_of_a_kill()
    {
        Assert.Equal(["status", "last_update", "reconciled_by", "outcome_evidence"], Fields("failed", null).Keys);
    }

    [Fact]
    public void A_termination_writes_its_reason_and_time()
    {
        var fields = Fields("terminated", "pane_dead");

        Assert.Equal(["status", "termination_reason", "terminated_at", "last_update", "reconciled_by", "outcome_evidence"], fields.Keys);
        Assert.Equal("\"pane_dead\"", fields["termination_reason"]);
    }

    [Fact]
    public void The_model_kept_after_a_write_reads_as_the_file_does()
    {
        var before = new AgentRecord("a1", 0, "running", "agent_a1", "2026-11-30T09:00:00", "TASK-A");

        var after = AgentEndFields.Apply(before, new EndAgent("a1", 0, "running", "completed", null, "stream log result (success): logs/a1_stream.jsonl", Now));

        Assert.Equal(before with { Status = "completed", CompletedAt = Now, LastUpdate = Now, ReconciledBy = "registryctl", OutcomeEvidence = "stream log result (success): logs/a1_stream.jsonl" }, after);
    }

    [Fact]
    public void A_completion_removes_a_termination_left_by_an_earlier_run_of_the_entry()
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse("""{"agents": [{"id": "a1", "status": "running", "termination_reason": "session_not_found", "terminated_at": "2026-11-30T09:00:00"}]}""")!.AsObject();

        RegistryEditor.Apply(root, RegistryKind.Task, [new EndAgent("a1", 0, "running", "completed", null, "evidence", Now)]);

        var agent = root["agents"]![0]!.AsObject();
        Assert.False(agent.ContainsKey("termination_reason"));
        Assert.False(agent.ContainsKey("terminated_at"));
        Assert.Equal("completed", (string?)agent["status"]);
    }

    [Theory]
    [InlineData("completed", null)]
    [InlineData("failed", null)]
    [InlineData("terminated", "pane_dead")]
    public void The_model_of_any_ending_is_the_thorough_parse_of_the_file_it_writes(string status, string? reason)
    {
        const string Registry = """{"task_id": "TASK-A", "agents": [{"id": "a1", "tmux_session": "agent_a1", "status": "running", "started_at": "2026-11-30T09:00:00", "termination_reason": "session_not_found", "terminated_at": "2026-11-30T09:00:01", "last_update": "2026-11-30T09:00:02"}]}""";
        var end = new EndAgent("a1", 0, "running", status, reason, "evidence", Now);
        var root = System.Text.Json.Nodes.JsonNode.Parse(Registry)!.AsObject();
        var before = RegistryParser.ParseThoroughly(System.Text.Encoding.UTF8.GetBytes(Registry), "AGENT_REGISTRY.json", RegistryKind.Task).Agents[0];

        RegistryEditor.Apply(root, RegistryKind.Task, [end]);
        var written = RegistryParser.ParseThoroughly(PythonJsonWriter.Serialize(root), "AGENT_REGISTRY.json", RegistryKind.Task).Agents[0];

        Assert.Equal(written, AgentEndFields.Apply(before, end));
    }
}
