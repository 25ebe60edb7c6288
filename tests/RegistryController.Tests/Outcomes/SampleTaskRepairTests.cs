using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registryctl.Commands;

namespace RegistryController.Tests.Outcomes;

/// <summary>
/// <c>registryctl repair</c>, the built executable, on the orchestrator's own task directory of five agents
/// that each ended differently (Fixtures/orchestrator/TASK-sample), with only the investigator's session
/// alive, in the time zone the files were written in: every agent ends as the fixture's expected.json says.
/// </summary>
public class SampleTaskRepairTests
{
    [Fact]
    public async Task Repair_gives_each_agent_of_the_sample_task_the_status_expected_json_says()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.All(workspace.Agents, agent =>
        {
            Assert.Equal(agent.ExpectedStatus, (string?)workspace.TaskAgent(agent.AgentId)["status"]);
            Assert.Equal(agent.Untouched ? agent.GlobalStatusAtCapture : agent.ExpectedStatus, (string?)workspace.GlobalAgent(agent.AgentId)["status"]);
        });
    }

    [Fact]
    public async Task Repair_leaves_the_live_investigator_and_the_reviewer_the_orchestrator_completed_byte_for_byte_as_they_were()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();
        var untouched = workspace.Agents.Where(a => a.Untouched).Select(a => a.AgentId).ToList();
        var task = untouched.ToDictionary(id => id, id => workspace.TaskAgent(id).ToJsonString());
        var global = untouched.ToDictionary(id => id, id => workspace.GlobalAgent(id).ToJsonString());

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(["investigator-091905-eaee0a", "reviewer-091913-3c998b"], untouched.Order(StringComparer.Ordinal));
        Assert.All(untouched, id =>
        {
            Assert.Equal(task[id], workspace.TaskAgent(id).ToJsonString());
            Assert.Equal(global[id], workspace.GlobalAgent(id).ToJsonString());
        });
    }

    [Fact]
    public async Task Repair_terminates_the_crashed_builder_with_session_not_found_in_the_task_and_global_registries()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        foreach (var agent in new[] { workspace.TaskAgent("builder-091907-d58d0f"), workspace.GlobalAgent("builder-091907-d58d0f") })
        {
            Assert.Equal("terminated", (string?)agent["status"]);
            Assert.Equal("session_not_found", (string?)agent["termination_reason"]);
            Assert.NotNull((string?)agent["terminated_at"]);
            Assert.Equal((string?)agent["terminated_at"], (string?)agent["last_update"]);
            Assert.Null(agent["completed_at"]);
        }
    }

    [Fact]
    public async Task Repair_records_the_fixer_completed_and_the_tester_failed_on_their_stream_logs_without_a_termination_reason()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        foreach (var agent in new[] { workspace.TaskAgent("fixer-091909-57e6c9"), workspace.GlobalAgent("fixer-091909-57e6c9") })
        {
            Assert.Equal("completed", (string?)agent["status"]);
            Assert.NotNull((string?)agent["completed_at"]);
            AssertEndedByTheController(agent, "logs/fixer-091909-57e6c9_stream.jsonl");
        }

        Assert.Equal(100, (int)workspace.TaskAgent("fixer-091909-57e6c9")["progress"]!);
        foreach (var agent in new[] { workspace.TaskAgent("tester-091911-6b5369"), workspace.GlobalAgent("tester-091911-6b5369") })
        {
            Assert.Equal("failed", (string?)agent["status"]);
            Assert.Null(agent["completed_at"]);
            AssertEndedByTheController(agent, "logs/tester-091911-6b5369_stream.jsonl");
        }

        static void AssertEndedByTheController(JsonObject agent, string streamLog)
        {
            Assert.False(agent.ContainsKey("termination_reason"), agent.ToJsonString());
            Assert.False(agent.ContainsKey("terminated_at"), agent.ToJsonString());
            Assert.Equal("registryctl", (string?)agent["reconciled_by"]);
            Assert.Contains(streamLog, (string?)agent["outcome_evidence"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Repair_brings_the_sample_tasks_active_count_to_1_and_leaves_its_history_counters_alone()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();
        var before = workspace.ReadTask();

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var after = workspace.ReadTask();
        Assert.Equal(4, (int)before["active_count"]!);
        Assert.Equal(1, (int)after["active_count"]!);
        Assert.Equal(1, (int)workspace.ReadGlobal()["active_agents"]!);
        Assert.Equal((int)before["completed_count"]!, (int)after["completed_count"]!);
        Assert.Equal((int)before["total_spawned"]!, (int)after["total_spawned"]!);
    }

    [Fact]
    public async Task Repair_stamps_each_ending_in_the_machines_local_time_as_the_orchestrator_stamps_its_own()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(SampleTaskWorkspace.TimeZone);
        var from = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime.AddSeconds(-1);

        var result = await workspace.RunAsync("repair");

        var to = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime.AddSeconds(1);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.All(workspace.Agents.Where(a => !a.Untouched), agent =>
        {
            // Naive, as datetime.now().isoformat() writes it: no offset, Kathmandu's wall clock.
            var stamp = (string)workspace.TaskAgent(agent.AgentId)["last_update"]!;
            var at = DateTime.ParseExact(stamp, "yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            Assert.InRange(at, from, to);
        });
    }

    [Fact]
    public async Task Repair_appends_one_line_in_the_orchestrators_format_to_each_ended_agents_progress_file_and_none_to_the_others()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();
        var before = workspace.Agents.ToDictionary(a => a.AgentId, a => ProgressFileLines.Raw(workspace.ProgressFile(a.AgentId)));

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        foreach (var agent in workspace.Agents)
        {
            var path = workspace.ProgressFile(agent.AgentId);
            if (agent.Untouched)
            {
                Assert.Equal(before[agent.AgentId], ProgressFileLines.Raw(path));
                continue;
            }

            var lines = await ProgressFileLines.ReadWithPythonAsync(path);
            Assert.Equal(before[agent.AgentId], ProgressFileLines.Raw(path).SkipLast(1));
            Assert.Equal(before[agent.AgentId].Count + 1, lines.Count);
            var audit = lines[^1];
            Assert.Equal(["agent_id", "message", "progress", "status", "timestamp"], audit.Select(p => p.Key).Where(k => k != "reconciled_by").Order(StringComparer.Ordinal));
            Assert.Equal(agent.AgentId, (string?)audit["agent_id"]);
            Assert.Equal(agent.ExpectedStatus, (string?)audit["status"]);
            Assert.Equal((string?)workspace.TaskAgent(agent.AgentId)["last_update"], (string?)audit["timestamp"]);
            Assert.Equal(JsonValueKind.Number, audit["progress"]!.GetValueKind());
            if (agent.ExpectedStatus == "completed")
            {
                Assert.Equal(100, (int)audit["progress"]!);
            }

            Assert.False(string.IsNullOrWhiteSpace((string?)audit["message"]));
        }
    }

    [Fact]
    public async Task Repair_json_names_each_zombies_outcome_and_the_evidence_it_rests_on()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();

        var result = await workspace.RunAsync("repair", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var task = result.Report().GetProperty("registries").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "task");
        var zombies = task.GetProperty("zombies").EnumerateArray().ToDictionary(z => z.GetProperty("agent_id").GetString()!);
        Assert.Equal(["builder-091907-d58d0f", "fixer-091909-57e6c9", "tester-091911-6b5369"], zombies.Keys.Order(StringComparer.Ordinal));
        AssertZombie(zombies["builder-091907-d58d0f"], "terminated", "none", null, null);
        AssertZombie(zombies["fixer-091909-57e6c9"], "completed", "stream_result", "logs/fixer-091909-57e6c9_stream.jsonl", "success");
        AssertZombie(zombies["tester-091911-6b5369"], "failed", "stream_result", "logs/tester-091911-6b5369_stream.jsonl", "error_during_execution");

        static void AssertZombie(JsonElement zombie, string outcome, string kind, string? file, string? detail)
        {
            Assert.Equal("session_not_found", zombie.GetProperty("reason").GetString());
            Assert.Equal(outcome, zombie.GetProperty("outcome").GetString());
            Assert.True(zombie.GetProperty("terminated").GetBoolean(), zombie.GetRawText());
            var evidence = zombie.GetProperty("evidence");
            Assert.Equal(kind, evidence.GetProperty("kind").GetString());
            Assert.Equal(file, evidence.GetProperty("file").GetString());
            Assert.Equal(detail, evidence.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Repair_says_how_each_zombie_of_the_sample_task_ended_and_on_what_evidence()
    {
        await using var workspace = await SampleTaskWorkspace.CreateAsync();

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var lines = result.Stdout.Split('\n');
        AssertLine("builder-091907-d58d0f", "→ terminated (no session, no evidence)");
        AssertLine("fixer-091909-57e6c9", "→ completed (stream log result)");
        AssertLine("tester-091911-6b5369", "→ failed (stream log: error_during_execution)");
        Assert.DoesNotContain(lines, line => line.Contains("investigator-091905-eaee0a", StringComparison.Ordinal) || line.Contains("reviewer-091913-3c998b", StringComparison.Ordinal));

        void AssertLine(string agentId, string ending) =>
            Assert.Contains(lines, line => line.Contains($"zombie {agentId}", StringComparison.Ordinal) && line.EndsWith(ending, StringComparison.Ordinal));
    }
}
