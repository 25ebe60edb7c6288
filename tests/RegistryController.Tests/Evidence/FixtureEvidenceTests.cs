using System.Text.Json;
using RegistryController.Evidence;

namespace RegistryController.Tests.Evidence;

/// <summary>
/// The orchestrator's real task directories (Fixtures/orchestrator*, copied from the shared fixtures): the stream
/// results read from them are the ones their expected.json records.
/// </summary>
public class FixtureEvidenceTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>Each agent of both fixtures: where its expected.json is, its task directory, its id.</summary>
    public static TheoryData<string, string> Agents()
    {
        var data = new TheoryData<string, string>();
        foreach (var expected in new[] { "orchestrator/TASK-sample/expected.json", "orchestrator-2026/expected.json" })
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Fixtures, expected)));
            foreach (var agent in document.RootElement.GetProperty("agents").EnumerateArray())
            {
                data.Add(expected, agent.GetProperty("agent_id").GetString()!);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Agents))]
    public void The_stream_result_read_is_the_one_expected_json_records(string expected, string agentId)
    {
        var expectedPath = Path.Combine(Fixtures, expected);
        using var document = JsonDocument.Parse(File.ReadAllBytes(expectedPath));
        var agent = document.RootElement.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("agent_id").GetString() == agentId);
        var taskDirectory = TaskDirectory(expectedPath, document.RootElement);

        var evidence = AgentEvidenceReader.Read(taskDirectory, agentId, EvidenceTask.Terminal);

        Assert.Empty(evidence.Problems);
        var stream = agent.GetProperty("stream_result");
        if (stream.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(evidence.Result);
            return;
        }

        // stream_log is relative to the folder expected.json is in.
        var log = Path.Combine(Path.GetDirectoryName(expectedPath)!, agent.GetProperty("stream_log").GetString()!);
        Assert.Equal(new StreamResult(log, stream.GetProperty("is_error").GetBoolean(), stream.GetProperty("subtype").GetString()), evidence.Result);
    }

    [Theory]
    [InlineData("orchestrator/TASK-sample", "reviewer-091913-3c998b", "2026-11-30T09:19:15.802989")]
    [InlineData("orchestrator-2026/TASK-20261130-092433-68dda78f", "analyst-092433-18bff9", "2026-11-30T09:24:36.040021")]
    public void An_agent_that_reported_its_completion_has_that_report_in_archive(string taskDirectory, string agentId, string timestamp)
    {
        var directory = Path.Combine(Fixtures, taskDirectory);

        var evidence = AgentEvidenceReader.Read(directory, agentId, EvidenceTask.Terminal);

        Assert.Equal(Path.Combine(directory, "archive", $"{agentId}_progress.jsonl"), evidence.TerminalReport?.File);
        Assert.Equal("completed", evidence.TerminalReport?.Status);
        Assert.Equal(100, evidence.TerminalReport?.Progress);
        Assert.Equal(timestamp, evidence.TerminalReport?.Timestamp);
    }

    [Theory]
    [InlineData("orchestrator/TASK-sample", "investigator-091905-eaee0a")]
    [InlineData("orchestrator/TASK-sample", "builder-091907-d58d0f")]
    [InlineData("orchestrator-2026/TASK-20261130-092433-68dda78f", "investigator-092433-a80fa8")]
    public void An_agent_that_only_reported_progress_has_no_terminal_report(string taskDirectory, string agentId)
    {
        var evidence = AgentEvidenceReader.Read(Path.Combine(Fixtures, taskDirectory), agentId, EvidenceTask.Terminal);

        Assert.Null(evidence.TerminalReport);
    }

    /// <summary>The 2025 expected.json sits in its task directory; the 2026 one in the workspace, beside it.</summary>
    private static string TaskDirectory(string expectedPath, JsonElement root)
    {
        var folder = Path.GetDirectoryName(expectedPath)!;
        var inWorkspace = Path.Combine(folder, root.GetProperty("task_id").GetString()!);
        return Directory.Exists(inWorkspace) ? inWorkspace : folder;
    }
}
