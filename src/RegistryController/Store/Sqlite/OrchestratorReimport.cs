using System.Collections.Immutable;
using System.Text.Json;

namespace RegistryController.Store.Sqlite;

/// <summary>
/// Which agents of a task the 2026 orchestrator's <c>reconcile_task_workspace</c> (run by <c>get_phase_status</c>,
/// <c>check_phase_progress</c>, <c>kill_real_agent</c>) re-imports into SQLite: those its <c>AGENT_REGISTRY.json</c>
/// lists (an adopted 2025 task; a 2026 task's registry says <c>agents: []</c>). Each gets its status from the last line
/// of <c>progress/&lt;id&gt;_progress.jsonl</c> (never <c>archive/</c>), or, with no such file, from the JSON's own
/// status, which for an adopted task is still its 2025 one.
/// </summary>
internal static class OrchestratorReimport
{
    // A task registry is a few KB; a file far larger is no registry the orchestrator wrote, and is not read whole.
    private const long MaxBytes = 64L << 20;

    /// <summary>
    /// The agent ids <c>&lt;taskDirectory&gt;/AGENT_REGISTRY.json</c> lists, as the re-import reads them
    /// (<c>agent.get("id") or agent.get("agent_id")</c>); none when the file is missing (the re-import then imports
    /// nothing either); null when it is there but cannot be read here (too large, unreadable, or JSON this parser refuses
    /// that Python might accept): then any agent may be re-imported, and a caller must assume it is.
    /// </summary>
    public static ImmutableHashSet<string>? AgentsOf(string taskDirectory)
    {
        ArgumentNullException.ThrowIfNull(taskDirectory);
        var path = Path.Combine(taskDirectory, "AGENT_REGISTRY.json");
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                return [];
            }

            if (file.Length > MaxBytes)
            {
                return null;
            }

            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("agents", out var agents)
                || agents.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var ids = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var agent in agents.EnumerateArray())
            {
                if (agent.ValueKind == JsonValueKind.Object && (Text(agent, "id") ?? Text(agent, "agent_id")) is { } id)
                {
                    ids.Add(id);
                }
            }

            return ids.ToImmutable();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    // Python's truthiness: an empty id falls through to the next key.
    private static string? Text(JsonElement agent, string property) =>
        agent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
