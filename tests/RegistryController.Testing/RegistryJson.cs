using System.Text.Json;
using System.Text.Json.Nodes;

namespace RegistryController.Testing;

/// <summary>Reads a registry the way a person checking it would: parse the file, look at an agent.</summary>
public static class RegistryJson
{
    /// <summary>The file's content, or null while it cannot be read or parsed (a writer may be mid-write).</summary>
    public static JsonObject? TryRead(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>The file's bytes, waiting (up to a few seconds) while a writer holds its lock.</summary>
    public static byte[] ReadBytes(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>
    /// The file's content, waiting (up to a few seconds) while it is locked by a writer: .NET reads
    /// take LOCK_SH, as the orchestrator's readers do, and fail at once while a writer holds LOCK_EX.
    /// </summary>
    public static JsonObject Read(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            if (TryRead(path) is { } content)
            {
                return content;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{path} stayed unreadable for 5 s");
            }

            Thread.Sleep(10);
        }
    }

    /// <summary>The last entry with this id in a task registry's agents list.</summary>
    public static JsonObject? TaskAgent(string path, string agentId) =>
        TryRead(path)?["agents"]?.AsArray().LastOrDefault(a => (string?)a?["id"] == agentId) as JsonObject;

    public static JsonObject? GlobalAgent(string globalPath, string agentId) => TryRead(globalPath)?["agents"]?[agentId] as JsonObject;

    /// <summary>An agent's status now (waiting out a writer's lock).</summary>
    public static string? Status(string path, string agentId) =>
        (string?)Read(path)["agents"]!.AsArray().LastOrDefault(a => (string?)a?["id"] == agentId)?["status"];

    /// <summary>Marked as the controller marks a zombie: terminated, because its session was not found.</summary>
    public static bool IsTerminatedAsZombie(JsonObject? agent) =>
        agent is not null && (string?)agent["status"] == "terminated" && (string?)agent["termination_reason"] == "session_not_found";

    public static bool IsTerminatedAsZombie(string taskPath, string agentId) => IsTerminatedAsZombie(TaskAgent(taskPath, agentId));

    /// <summary>A top-level number now (waiting out a writer's lock).</summary>
    public static long? Number(string path, string field) => (long?)Read(path)[field];
}
