using System.Text.Json.Nodes;

namespace RegistryController.Testing;

/// <summary>An agent's progress file as the orchestrator's own readers (Python, line by line) see it.</summary>
public static class ProgressFileLines
{
    // Every line through json.loads, as get_agent_output and the dashboard read it; a file that does not
    // end in a newline would leave its last line torn for the next appender, so that fails too.
    private const string Script = """
        import json, sys
        text = open(sys.argv[1], encoding="utf-8").read()
        if text and not text.endswith("\n"):
            sys.exit("the file does not end with a newline")
        sys.stdout.write(json.dumps([json.loads(line) for line in text.split("\n")[:-1]]))
        """;

    /// <summary>Each line, as Python's <c>json.loads</c> reads it (fails when any line does not parse).</summary>
    public static async Task<IReadOnlyList<JsonObject>> ReadWithPythonAsync(string path) =>
        [.. JsonNode.Parse(await Python.RunAsync(Script, path))!.AsArray().Select(line => line!.AsObject())];

    /// <summary>The lines as they are now, or none when the file does not exist.</summary>
    public static IReadOnlyList<string> Raw(string path) =>
        File.Exists(path) ? File.ReadAllText(path).Split('\n')[..^1] : [];
}
