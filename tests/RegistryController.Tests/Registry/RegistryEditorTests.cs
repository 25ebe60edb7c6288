using System.Text;
using RegistryController.Registry;
using RegistryController.Tests.Judgement;

namespace RegistryController.Tests.Registry;

/// <summary>A repair must change only the lines it means to change: the rest of the file is the orchestrator's.</summary>
public class RegistryEditorTests
{
    private const string Timestamp = "2025-10-19T08:15:42.123456";

    /// <summary>The two lines that say the controller wrote the ending, and on what evidence.</summary>
    private static readonly string[] Attribution =
    [
        "      \"reconciled_by\": \"registryctl\",",
        "      \"outcome_evidence\": \"no session and no result line or completion report\"",
    ];

    [Fact]
    public void Terminating_a_task_agent_and_setting_its_counter_changes_only_those_lines()
    {
        var original = File.ReadAllBytes(FixtureFiles.TaskRegistry);
        var (model, root) = RegistryParser.ParseForEdit(original, FixtureFiles.TaskRegistry, RegistryKind.Task);
        var agent = model.Agents.Single(a => a.Status == "working");

        RegistryEditor.Apply(root, RegistryKind.Task, [
            Verdicts.Terminated(agent.Id, agent.Index, agent.Status!, "session_not_found", Timestamp),
            new SetCounter("active_count", model.ActiveCount!.Value, 0),
        ]);
        var after = Lines(PythonJsonWriter.Serialize(root));

        // What a reviewer of the diff expects: the agent's status and last_update lines replaced,
        // two lines appended at the end of that agent (so its last line gains a comma), and the
        // counter line replaced. Nothing else.
        var expected = Lines(original);
        var idLine = expected.IndexOf($"      \"id\": \"{agent.Id}\",");
        Assert.True(idLine >= 0, $"agent {agent.Id} not found in the fixture");
        var end = expected.FindIndex(idLine, line => line.StartsWith("    }", StringComparison.Ordinal));
        Replace(expected, idLine, end, "      \"status\": ", "      \"status\": \"terminated\",");
        Replace(expected, idLine, end, "      \"last_update\": ", $"      \"last_update\": \"{Timestamp}\",");
        Assert.False(expected[end - 1].EndsWith(','), "the agent's last line already had a comma");
        expected[end - 1] += ",";
        expected.InsertRange(end, [
            "      \"termination_reason\": \"session_not_found\",",
            $"      \"terminated_at\": \"{Timestamp}\",",
            .. Attribution,
        ]);
        Replace(expected, 0, expected.Count, "  \"active_count\": ", "  \"active_count\": 0,");

        AssertLinesEqual(expected, after);
    }

    [Fact]
    public void Terminating_a_global_entry_replaces_its_status_and_last_update_and_appends_two_lines()
    {
        var original = File.ReadAllBytes(FixtureFiles.GlobalRegistry);
        var (model, root) = RegistryParser.ParseForEdit(original, FixtureFiles.GlobalRegistry, RegistryKind.Global);
        var agent = model.Agents.Single(a => a.Status == "working");

        RegistryEditor.Apply(root, RegistryKind.Global, [
            Verdicts.Terminated(agent.Id, -1, agent.Status!, "session_not_found", Timestamp),
            new SetCounter("active_agents", model.ActiveCount!.Value, 0),
        ]);
        var after = Lines(PythonJsonWriter.Serialize(root));

        var expected = Lines(original);
        var (start, end) = GlobalEntry(expected, agent.Id);
        Replace(expected, start, end, "      \"status\": ", "      \"status\": \"terminated\",");
        Replace(expected, start, end, "      \"last_update\": ", $"      \"last_update\": \"{Timestamp}\",");
        expected[end - 1] += ",";
        expected.InsertRange(end, [
            "      \"termination_reason\": \"session_not_found\",",
            $"      \"terminated_at\": \"{Timestamp}\",",
            .. Attribution,
        ]);
        Replace(expected, 0, expected.Count, "  \"active_agents\": ", "  \"active_agents\": 0,");

        AssertLinesEqual(expected, after);
    }

    [Fact]
    public async Task Terminating_a_global_entry_written_at_spawn_appends_its_status_and_changes_nothing_else()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("GLOBAL_REGISTRY.json");
        // At spawn the orchestrator writes a global entry with neither status nor last_update.
        await Python.RunAsync(
            """
            import json, sys
            d = json.load(open(sys.argv[1]))
            entry = next(e for e in d["agents"].values() if e.get("status") == "working")
            del entry["status"], entry["last_update"]
            open(sys.argv[2], "w").write(json.dumps(d, indent=2))
            """,
            FixtureFiles.GlobalRegistry,
            path);
        var original = await File.ReadAllBytesAsync(path);
        var (model, root) = RegistryParser.ParseForEdit(original, path, RegistryKind.Global);
        var agent = model.Agents.Single(a => a.Status is null);

        RegistryEditor.Apply(root, RegistryKind.Global, [Verdicts.Terminated(agent.Id, -1, "running", "session_not_found", Timestamp)]);
        var after = Lines(PythonJsonWriter.Serialize(root));

        var expected = Lines(original);
        var (_, end) = GlobalEntry(expected, agent.Id);
        expected[end - 1] += ",";
        expected.InsertRange(end, [
            "      \"status\": \"terminated\",",
            "      \"termination_reason\": \"session_not_found\",",
            $"      \"terminated_at\": \"{Timestamp}\",",
            $"      \"last_update\": \"{Timestamp}\",",
            .. Attribution,
        ]);

        AssertLinesEqual(expected, after);
    }

    /// <summary>The lines [key line, closing brace) of a global registry's entry.</summary>
    private static (int Start, int End) GlobalEntry(List<string> lines, string agentId)
    {
        var start = lines.IndexOf($"    \"{agentId}\": {{");
        Assert.True(start >= 0, $"agent {agentId} not found");
        return (start, lines.FindIndex(start, line => line.StartsWith("    }", StringComparison.Ordinal)));
    }

    /// <summary>Replaces the one line in [from, to) that starts with <paramref name="prefix"/>, keeping its trailing comma.</summary>
    private static void Replace(List<string> lines, int from, int to, string prefix, string replacement)
    {
        var matches = Enumerable.Range(from, to - from).Where(i => lines[i].StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"expected one line starting with {prefix} in lines {from}..{to}, found {matches.Count}");
        var index = matches[0];
        var comma = lines[index].EndsWith(',');
        lines[index] = replacement.TrimEnd(',') + (comma ? "," : string.Empty);
    }

    private static List<string> Lines(byte[] bytes) => [.. Encoding.UTF8.GetString(bytes).Split('\n')];

    private static void AssertLinesEqual(List<string> expected, List<string> actual)
    {
        for (var i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            Assert.True(expected[i] == actual[i], $"line {i + 1} differs:\nexpected: {expected[i]}\nactual:   {actual[i]}");
        }

        Assert.Equal(expected.Count, actual.Count);
    }
}
