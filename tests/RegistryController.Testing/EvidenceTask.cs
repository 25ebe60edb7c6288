using System.Text;
using System.Text.Json.Nodes;
using RegistryController.Evidence;

namespace RegistryController.Testing;

/// <summary>A task directory of the test's own, with the agent files the orchestrator and Claude write into it.</summary>
public sealed class EvidenceTask : IDisposable
{
    public const string Agent = "fixer-091909-57e6c9";

    /// <summary>The orchestrator's own list (update_agent_progress, d746b7e).</summary>
    public static readonly IReadOnlySet<string> Terminal = new HashSet<string>(["completed", "terminated", "error", "failed"], StringComparer.Ordinal);

    private readonly TempDirectory _temp = new();

    public EvidenceTask()
    {
        Directory.CreateDirectory(Path);
    }

    public string Path => _temp.Combine("TASK-20261130-091905-7de95ec9");

    public string Outside(string name) => _temp.Combine(name);

    public string StreamLog(string directory = "logs") => Combine(directory, $"{Agent}_stream.jsonl");

    public string ProgressFile(string directory = "progress") => Combine(directory, $"{Agent}_progress.jsonl");

    public string Combine(string directory, string name) => System.IO.Path.Combine(Path, directory, name);

    /// <summary>Writes the lines as given: each ends with a newline unless the caller leaves a torn tail with <paramref name="tail"/>.</summary>
    public static string Write(string path, IEnumerable<string> lines, string tail = "") =>
        WriteBytes(path, Encoding.UTF8.GetBytes(string.Concat(lines.Select(line => line + "\n")) + tail));

    public static string WriteBytes(string path, byte[] content)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public AgentEvidence Read() => AgentEvidenceReader.Read(Path, Agent, Terminal);

    /// <summary>Claude's stream-json result line, as <c>claude -p --output-format stream-json</c> ends.</summary>
    public static string Result(string subtype, bool isError, string result = "Agent finished: implemented the fix.") => new JsonObject
    {
        ["type"] = "result",
        ["subtype"] = subtype,
        ["is_error"] = isError,
        ["duration_ms"] = 8234,
        ["num_turns"] = 3,
        ["result"] = result,
        ["session_id"] = "53f0646e-40de-49e0-9374-c379bee2409c",
    }.ToJsonString();

    public static string Assistant(string text) => new JsonObject
    {
        ["type"] = "assistant",
        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) },
        ["session_id"] = "53f0646e-40de-49e0-9374-c379bee2409c",
    }.ToJsonString();

    /// <summary>A progress line as update_agent_progress writes it: Python's json.dumps, ", " and ": " separators.</summary>
    public static string Progress(string status, int progress, string message = "Working on it", string timestamp = "2026-11-30T09:19:15.802989") =>
        $$"""{"timestamp": "{{timestamp}}", "agent_id": "{{Agent}}", "status": "{{status}}", "message": "{{message}}", "progress": {{progress}}}""";

    public void Dispose() => _temp.Dispose();
}
