using System.Text.Json.Nodes;

namespace RegistryController.Testing;

/// <summary>An active agent whose log file has not changed for a long time.</summary>
public static class StuckAgents
{
    /// <summary>Creates the agent's log file in its task's logs/ directory, last written <paramref name="quietFor"/> ago.</summary>
    public static string TrackQuietLog(string root, string taskId, string agentId, TimeSpan quietFor)
    {
        var log = Path.Combine(root, taskId, "logs", agentId + "_stream.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        File.WriteAllText(log, "{\"type\": \"system\"}\n");
        File.SetLastWriteTimeUtc(log, DateTime.UtcNow - quietFor);
        return log;
    }

    /// <summary>Records the log as the agent's tracked file, as the orchestrator does.</summary>
    public static Task PointAtAsync(string taskRegistry, string agentId, string log) =>
        OrchestratorWriter.UpdateAsync(
            taskRegistry,
            "next(a for a in data['agents'] if a['id'] == arg['id'])['tracked_files'] = {'log_file': arg['log'], 'progress_file': None}",
            new JsonObject { ["id"] = agentId, ["log"] = log });
}
