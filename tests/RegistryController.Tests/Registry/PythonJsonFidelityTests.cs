using System.Collections.Immutable;
using System.Text;
using RegistryController.Registry;
using RegistryController.Tests.Judgement;

namespace RegistryController.Tests.Registry;

/// <summary>
/// The codec against the real thing: python3 writes the documents, and python3 judges what the
/// controller writes. A file Python wrote must come back byte for byte; a value the controller
/// adds must be spelled exactly as <c>json.dumps(obj, indent=2)</c> would spell it.
/// </summary>
public class PythonJsonFidelityTests
{
    /// <summary>
    /// Writes a task registry whose agent and top level both carry the value of a Python expression,
    /// with the orchestrator's <c>json.dumps(obj, indent=2)</c>.
    /// </summary>
    private const string Generator = """
        import json, sys
        def deep(n):
            v = "bottom"
            for i in range(n):
                v = [v] if i % 2 else {"k": v}
            return v
        value = eval(sys.argv[2])
        doc = {
            "task_id": "TASK-20250101-000000-00000000",
            "agents": [{"id": "probe-1", "status": "working", "extra": value}],
            "active_count": 1,
            "payload": value,
        }
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            f.write(json.dumps(doc, indent=2))
        """;

    /// <summary>
    /// Loads the controller's output, checks that the named string came back as the expected value,
    /// and says whether Python's own dump of what it loaded is byte-identical to the file.
    /// </summary>
    private const string Judge = """
        import json, sys
        raw = open(sys.argv[1], "rb").read()
        data = json.loads(raw.decode("utf-8"))
        path, expected = sys.argv[2], sys.argv[3]
        expected = eval(expected[1:]) if expected.startswith("=") else expected
        value = data
        for part in path.split("/"):
            value = value[int(part)] if isinstance(value, list) else value[part]
        if value != expected:
            print("value differs: python read %r" % (value,))
        elif json.dumps(data, indent=2).encode("utf-8") != raw:
            dumped = json.dumps(data, indent=2).encode("utf-8")
            at = next(i for i in range(min(len(raw), len(dumped)) + 1) if raw[i:i+1] != dumped[i:i+1])
            print("bytes differ at %d: ours %r, python %r" % (at, raw[at-40:at+40], dumped[at-40:at+40]))
        else:
            print("same")
        """;

    private const string Timestamp = "2025-10-19T08:15:42.123456";

    [Theory]
    [InlineData("'Grüße, Ελληνικά, עברית, 東京, Ωmega'")]
    [InlineData(@"'emoji \U0001F389 \U0001F600, music \U0001D11E, last plane \U0010FFFF'")]
    [InlineData(@"'line\nnext\ttab \""quoted\"" back\\slash \r \b \f /slash'")]
    [InlineData("''.join(chr(i) for i in range(32))")]
    [InlineData("\"<script>a && b's</script> <>&'\"")]
    [InlineData(@"'DEL \x7f and C1 \x80\x9f\xa0 and \u2028\u2029 and BOM \ufeff'")]
    [InlineData("[1.0, 115.568592, 1e-05, 1e16, -0.0, 0.1, 1.7976931348623157e308, 5e-324, 123456789.123456789, -1.5e-10, 3.0e20]")]
    [InlineData("[2**63, -2**63 - 1, 2**70, -2**70, 0, -1, 10**40]")]
    [InlineData("{'a': {}, 'b': [], 'c': [{}, [], [[]], [{}]], 'd': {'e': {}, 'f': []}}")]
    [InlineData("[None, True, False, {'n': None, 't': True, 'f': False}]")]
    [InlineData("deep(480)")]
    [InlineData(@"['\ud800', 'a\udfffb', '\udc00\ud800']")]
    [InlineData(@"{'ключ': 1, 'tab\tkey': 2, '\x7f': 3, '\U0001F600': 4, '': 5, 'q\""uote': 6, '<&>': 7}")]
    [InlineData("'x' * 100000")]
    public async Task A_document_python_wrote_is_parsed_and_written_back_byte_identical(string pythonValue)
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("AGENT_REGISTRY.json");
        await Python.RunAsync(Generator, path, pythonValue);
        var original = await File.ReadAllBytesAsync(path);

        var (_, root) = RegistryParser.ParseForEdit(original, path, RegistryKind.Task);

        AssertSameBytes(original, PythonJsonWriter.Serialize(root));
    }

    [Theory]
    [InlineData("session_not_found")]
    [InlineData("Sitzung verschwunden: Grüße aus Köln")]
    [InlineData("emoji 🎉 and 😀 and 𝄞")]
    [InlineData("escapes \n \t \" \\ \r \b \f and control \u0001\u001f")]
    [InlineData("<tag> & 'quote' / slash")]
    [InlineData("DEL \u007f C1 \u0080\u009f NBSP \u00a0 LS \u2028 BOM \ufeff")]
    [InlineData("")]
    public async Task A_reason_the_controller_writes_reads_back_in_python_as_the_same_string_and_the_same_bytes(string reason)
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("AGENT_REGISTRY.json");
        var (model, root) = RegistryParser.ParseForEdit(await File.ReadAllBytesAsync(FixtureFiles.TaskRegistry), path, RegistryKind.Task);
        var agent = model.Agents.First(a => a.Status == "working");

        RegistryEditor.Apply(root, RegistryKind.Task, [Verdicts.Terminated(agent.Id, agent.Index, agent.Status!, reason, Timestamp)]);
        await File.WriteAllBytesAsync(path, PythonJsonWriter.Serialize(root));

        Assert.Equal("same", (await Python.RunAsync(Judge, path, $"agents/{agent.Index}/termination_reason", reason)).Trim());
    }

    [Fact]
    public async Task Every_unicode_character_the_controller_writes_is_escaped_as_python_escapes_it()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("AGENT_REGISTRY.json");
        var everything = new StringBuilder();
        for (var codePoint = 0; codePoint <= 0x10FFFF; codePoint++)
        {
            if (codePoint is < 0xD800 or > 0xDFFF)
            {
                everything.Append(char.ConvertFromUtf32(codePoint));
            }
        }

        var (model, root) = RegistryParser.ParseForEdit(await File.ReadAllBytesAsync(FixtureFiles.TaskRegistry), path, RegistryKind.Task);
        var agent = model.Agents.First(a => a.Status == "working");
        RegistryEditor.Apply(root, RegistryKind.Task, [Verdicts.Terminated(agent.Id, agent.Index, agent.Status!, everything.ToString(), Timestamp)]);
        await File.WriteAllBytesAsync(path, PythonJsonWriter.Serialize(root));

        var verdict = await Python.RunAsync(
            Judge,
            path,
            $"agents/{agent.Index}/termination_reason",
            "=''.join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)");
        Assert.Equal("same", verdict.Trim());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public async Task A_counter_the_controller_sets_is_written_as_python_writes_that_integer(long value)
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("AGENT_REGISTRY.json");
        var (model, root) = RegistryParser.ParseForEdit(await File.ReadAllBytesAsync(FixtureFiles.TaskRegistry), path, RegistryKind.Task);

        RegistryEditor.Apply(root, RegistryKind.Task, [new SetCounter("active_count", model.ActiveCount!.Value, value)]);
        await File.WriteAllBytesAsync(path, PythonJsonWriter.Serialize(root));

        Assert.Equal("same", (await Python.RunAsync(Judge, path, "active_count", $"={value}")).Trim());
    }

    [Fact]
    public async Task A_global_entry_the_controller_mirrors_and_terminates_is_written_as_python_writes_it()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("GLOBAL_REGISTRY.json");
        var (model, root) = RegistryParser.ParseForEdit(await File.ReadAllBytesAsync(FixtureFiles.GlobalRegistry), path, RegistryKind.Global);
        var mirrored = model.Agents[0];
        var terminated = model.Agents[^1];
        var completedAt = "2025-10-19T08:15:42.654321 — fertig ✓";

        RegistryEditor.Apply(root, RegistryKind.Global, [
            new MirrorAgentStatus(mirrored.Id, mirrored.Status, "failed", ImmutableArray.Create(KeyValuePair.Create("completed_at", completedAt))),
            Verdicts.Terminated(terminated.Id, -1, terminated.Status ?? "running", "session_not_found", Timestamp),
            new SetCounter("active_agents", model.ActiveCount!.Value, 0),
        ]);
        await File.WriteAllBytesAsync(path, PythonJsonWriter.Serialize(root));

        Assert.Equal("same", (await Python.RunAsync(Judge, path, $"agents/{mirrored.Id}/completed_at", completedAt)).Trim());
        Assert.Equal("same", (await Python.RunAsync(Judge, path, $"agents/{terminated.Id}/status", "terminated")).Trim());
    }

    private static void AssertSameBytes(byte[] expected, byte[] actual)
    {
        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at])
        {
            at++;
        }

        if (at == expected.Length && at == actual.Length)
        {
            return;
        }

        string Around(byte[] bytes) => Encoding.UTF8.GetString(bytes.AsSpan(Math.Max(0, at - 40), Math.Min(80, bytes.Length - Math.Max(0, at - 40))));
        Assert.Fail($"first difference at byte {at} of {expected.Length} (python) / {actual.Length} (ours):\npython: {Around(expected)}\nours:   {Around(actual)}");
    }
}
