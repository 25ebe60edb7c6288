using System.Globalization;
using System.Text.Json.Nodes;

namespace RegistryController.Testing;

/// <summary>A zombie of <see cref="SqliteZombieWorkspace"/>: its row says running, its session is gone, and its files say it ended <paramref name="Ending"/>.</summary>
public sealed record SqliteZombie(string TaskId, string AgentId, string Ending);

/// <summary>
/// A 2026 workspace of many tasks full of zombies: the fixture's database (its schema) holding <c>tasks</c> tasks,
/// each with zombies whose stream logs say completed, failed or nothing (terminated), each with one "working" line
/// in its progress file, and live agents whose sessions <see cref="LiveSessions"/> must exist. Every
/// <c>started_at</c> is ten minutes ago in this process's zone, past any grace. <see cref="ResetAsync"/> makes the
/// zombies zombies again (rows and progress files), so that one workspace serves many repairs.
/// </summary>
public sealed class SqliteZombieWorkspace
{
    private readonly JsonArray _zombieRows;
    private readonly Dictionary<string, byte[]> _progress;

    private SqliteZombieWorkspace(string root, IReadOnlyList<SqliteZombie> zombies, IReadOnlyList<(string TaskId, string AgentId)> live, JsonArray zombieRows, Dictionary<string, byte[]> progress)
    {
        Root = root;
        Zombies = zombies;
        LiveAgents = live;
        _zombieRows = zombieRows;
        _progress = progress;
    }

    public string Root { get; }

    public string Database => Path.Combine(Root, "registry", "state.sqlite3");

    public IReadOnlyList<SqliteZombie> Zombies { get; }

    /// <summary>Agents that are alive (their sessions exist): a concurrent orchestrator writer's to change.</summary>
    public IReadOnlyList<(string TaskId, string AgentId)> LiveAgents { get; }

    public IEnumerable<string> LiveSessions => LiveAgents.Select(a => "agent_" + a.AgentId);

    public string ProgressFile(SqliteZombie zombie)
    {
        ArgumentNullException.ThrowIfNull(zombie);
        return Path.Combine(Root, zombie.TaskId, "progress", $"{zombie.AgentId}_progress.jsonl");
    }

    /// <summary>The length of the zombie's progress file as created (its one "working" line).</summary>
    public long OriginalProgressLength(SqliteZombie zombie)
    {
        ArgumentNullException.ThrowIfNull(zombie);
        return _progress[zombie.AgentId].LongLength;
    }

    public static async Task<SqliteZombieWorkspace> CreateAsync(string root, int tasks, int zombiesPerTask, int livePerTask)
    {
        OrchestratorSqlite.CopyFixture(root);
        var started = (DateTime.Now - TimeSpan.FromMinutes(10)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        var taskIds = new JsonArray();
        var rows = new JsonArray();
        var zombieRows = new JsonArray();
        var zombies = new List<SqliteZombie>();
        var live = new List<(string, string)>();
        var progress = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var t = 0; t < tasks; t++)
        {
            var taskId = string.Create(CultureInfo.InvariantCulture, $"TASK-20261130-0900{t % 100:00}-{t:x8}");
            taskIds.Add(taskId);
            Directory.CreateDirectory(Path.Combine(root, taskId, "progress"));
            Directory.CreateDirectory(Path.Combine(root, taskId, "logs"));
            for (var a = 0; a < zombiesPerTask; a++)
            {
                var ending = (a % 3) switch { 0 => "completed", 1 => "failed", _ => "terminated" };
                var zombie = new SqliteZombie(taskId, string.Create(CultureInfo.InvariantCulture, $"builder-090000-{t:x2}{a:x4}"), ending);
                zombies.Add(zombie);
                var line = $"{{\"timestamp\": \"{started}\", \"agent_id\": \"{zombie.AgentId}\", \"status\": \"working\", \"message\": \"started\", \"progress\": 10}}\n";
                progress[zombie.AgentId] = System.Text.Encoding.UTF8.GetBytes(line);
                if (ending != "terminated")
                {
                    await File.WriteAllTextAsync(
                        Path.Combine(root, taskId, "logs", $"{zombie.AgentId}_stream.jsonl"),
                        $"{{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":{(ending == "failed" ? "true" : "false")},\"duration_ms\":1000,\"result\":\"done\",\"session_id\":\"s\"}}\n");
                }

                var row = Row(taskId, zombie.AgentId, "running", started);
                rows.Add(row);
                zombieRows.Add(row.DeepClone());
            }

            for (var a = 0; a < livePerTask; a++)
            {
                var agentId = string.Create(CultureInfo.InvariantCulture, $"writer-090000-{t:x2}{a:x4}");
                live.Add((taskId, agentId));
                rows.Add(Row(taskId, agentId, "working", started));
            }
        }

        await OrchestratorSqlite.FillAsync(Path.Combine(root, "registry", "state.sqlite3"), taskIds, rows);
        var workspace = new SqliteZombieWorkspace(root, zombies, live, zombieRows, progress);
        workspace.ResetFiles();
        return workspace;
    }

    /// <summary>Every zombie a zombie again: its row and latest report as created, its progress file its one "working" line.</summary>
    public async Task ResetAsync()
    {
        await OrchestratorSqlite.ResetAgentsAsync(Database, _zombieRows);
        ResetFiles();
    }

    private void ResetFiles()
    {
        foreach (var zombie in Zombies)
        {
            File.WriteAllBytes(ProgressFile(zombie), _progress[zombie.AgentId]);
        }
    }

    private static JsonObject Row(string taskId, string agentId, string status, string at) => new()
    {
        ["task_id"] = taskId,
        ["agent_id"] = agentId,
        ["status"] = status,
        ["started_at"] = at,
        ["progress"] = 10,
        ["last_update"] = at,
        ["latest"] = new JsonObject { ["timestamp"] = at, ["status"] = status, ["progress"] = 10, ["message"] = "started" },
    };
}
