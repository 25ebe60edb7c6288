using System.Text;
using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

/// <summary>
/// A file the controller cannot fully understand is refused with a message that names the file and
/// says what is wrong, so that the user can find it and the controller never writes it.
/// </summary>
public class RegistryParserTests
{
    private const string TaskPath = "/workspace/TASK-20251017-215604-df6a3cbd/AGENT_REGISTRY.json";
    private const string GlobalPath = "/workspace/registry/GLOBAL_REGISTRY.json";

    public static TheoryData<string, RegistryKind, string, string> Malformed => new()
    {
        { "empty file", RegistryKind.Task, "", "the file is empty" },
        { "white space only", RegistryKind.Task, "  \n", "not valid JSON" },
        { "not JSON", RegistryKind.Task, "agents: none", "not valid JSON at line 1" },
        { "trailing comma", RegistryKind.Task, "{\"agents\": [],}", "not valid JSON at line 1" },
        { "a comment", RegistryKind.Task, "{\"agents\": [] // note\n}", "not valid JSON at line 1" },
        { "top-level list", RegistryKind.Task, "[]", "the top level is a JSON list, expected an object" },
        { "top-level string", RegistryKind.Global, "\"registry\"", "the top level is a JSON string, expected an object" },
        { "task without agents", RegistryKind.Task, "{\"task_id\": \"T\"}", "there is no \"agents\" list" },
        { "task agents a dict", RegistryKind.Task, "{\"agents\": {}}", "\"agents\" is a JSON object, expected a list in a task registry" },
        { "global agents a list", RegistryKind.Global, "{\"agents\": []}", "\"agents\" is a JSON list, expected a dict keyed by agent id in the global registry" },
        { "task agent a string", RegistryKind.Task, "{\"agents\": [\"agent_1\"]}", "agents[0] is a JSON string, expected an object" },
        { "global agent a number", RegistryKind.Global, "{\"agents\": {\"a-1\": 1}}", "agents[\"a-1\"] is a JSON number, expected an object" },
        { "agent without id", RegistryKind.Task, "{\"agents\": [{\"id\": \"a-0\"}, {\"status\": \"running\"}]}", "agents[1] has no \"id\"" },
        { "agent id a number", RegistryKind.Task, "{\"agents\": [{\"id\": 7}]}", "agents[0].id is a JSON number, expected a string" },
        { "status a number", RegistryKind.Task, "{\"agents\": [{\"id\": \"a-0\", \"status\": 3}]}", "agents[0].status is a JSON number, expected a string" },
        { "global status a list", RegistryKind.Global, "{\"agents\": {\"a-1\": {\"status\": []}}}", "agents[\"a-1\"].status is a JSON list, expected a string" },
        { "tmux_session a boolean", RegistryKind.Task, "{\"agents\": [{\"id\": \"a-0\", \"tmux_session\": true}]}", "agents[0].tmux_session is a JSON boolean, expected a string" },
        { "active_count a string", RegistryKind.Task, "{\"agents\": [], \"active_count\": \"3\"}", "\"active_count\" is \"3\", expected a whole number" },
        { "active_count a float", RegistryKind.Task, "{\"agents\": [], \"active_count\": 3.0}", "\"active_count\" is 3.0, expected a whole number" },
        { "active_count too big", RegistryKind.Task, "{\"agents\": [], \"active_count\": 18446744073709551616}", "\"active_count\" is 18446744073709551616, expected a whole number" },
        { "active_agents a string", RegistryKind.Global, "{\"agents\": {}, \"active_agents\": \"1\"}", "\"active_agents\" is \"1\", expected a whole number" },
        { "total_spawned a float", RegistryKind.Task, "{\"agents\": [], \"total_spawned\": 1.5}", "\"total_spawned\" is 1.5, expected a whole number" },
        { "duplicate keys", RegistryKind.Task, "{\"agents\": [], \"active_count\": 1, \"active_count\": 2}", "active_count" },
        { "duplicate agent keys", RegistryKind.Global, "{\"agents\": {\"a-1\": {}, \"a-1\": {}}}", "a-1" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_registry_is_refused_with_a_message_naming_the_file_and_the_problem(string what, RegistryKind kind, string content, string problem)
    {
        var path = kind == RegistryKind.Task ? TaskPath : GlobalPath;

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.ParseForEdit(Encoding.UTF8.GetBytes(content), path, kind));

        Assert.True(error.Message.StartsWith(path + ": ", StringComparison.Ordinal), $"{what}: the message does not start with the path: {error.Message}");
        Assert.True(error.Message.Contains(problem, StringComparison.OrdinalIgnoreCase), $"{what}: expected \"{problem}\" in: {error.Message}");
        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Duplicate_keys_which_python_silently_collapses_are_refused_as_duplicates()
    {
        var content = Encoding.UTF8.GetBytes("{\"agents\": [], \"active_count\": 1, \"active_count\": 2}");

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(content, TaskPath, RegistryKind.Task));

        Assert.Contains("duplicate", error.Problem, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("active_count", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_file_is_refused_with_the_line_where_it_stops()
    {
        var whole = File.ReadAllBytes(FixtureFiles.TaskRegistry);
        var half = whole.AsSpan(0, whole.Length / 2).ToArray();
        var lastLine = Encoding.UTF8.GetString(half).Count(c => c == '\n') + 1;

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(half, TaskPath, RegistryKind.Task));

        Assert.StartsWith(TaskPath + ": not valid JSON at line ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"line {lastLine}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    public void Invalid_utf8_bytes_in_a_string_are_refused_at_their_position(byte[] invalid)
    {
        var before = "{\n  \"agents\": [{\"id\": \"a-0\", \"prompt\": \"bad "u8.ToArray();
        byte[] content = [.. before, .. invalid, .. " here\"}]\n}"u8];
        var column = before.Length - Array.LastIndexOf(before, (byte)'\n');

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.ParseForEdit(content, TaskPath, RegistryKind.Task));

        Assert.StartsWith(TaskPath + ": not valid UTF-8 at line 2, byte " + column, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("float('nan')")]
    [InlineData("float('inf')")]
    [InlineData("float('-inf')")]
    public async Task A_non_finite_number_python_writes_is_refused_at_its_line(string pythonValue)
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("AGENT_REGISTRY.json");
        await Python.RunAsync(
            "import json, sys; open(sys.argv[1], 'w').write(json.dumps({'agents': [], 'active_count': 0, 'progress': eval(sys.argv[2])}, indent=2))",
            path,
            pythonValue);

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.ParseForEdit(File.ReadAllBytes(path), path, RegistryKind.Task));

        Assert.StartsWith(path + ": not valid JSON at line 4", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4242", 4242)]
    [InlineData("\"4242\"", null)]
    [InlineData("-1", null)]
    [InlineData("99999999999", null)]
    public void A_recorded_cursor_pid_is_read_when_it_is_a_pid_and_ignored_otherwise(string json, int? pid)
    {
        // The cursor backend of late 2025 wrote agents with "backend": "cursor", a cursor_pid and no tmux_session.
        var content = $$"""{"task_id": "TASK-A", "agents": [{"id": "c", "backend": "cursor", "status": "running", "cursor_pid": {{json}}}]}""";

        var agent = Assert.Single(RegistryParser.Parse(Encoding.UTF8.GetBytes(content), TaskPath, RegistryKind.Task).Agents);

        Assert.Equal((pid, null), (agent.CursorPid, agent.ClaudePid));
    }
}
