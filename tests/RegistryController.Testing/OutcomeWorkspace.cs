using System.Text.Json.Nodes;
using RegistryController.Store;

namespace RegistryController.Testing;

/// <summary>
/// A workspace of one 2025 task built agent by agent (<see cref="Agents"/> entries), its task and global
/// registries written by Python's json.dumps as the orchestrator writes them, the agents' own files
/// (stream logs, progress files) in the orchestrator's layout, and a private tmux server.
/// </summary>
public sealed class OutcomeWorkspace : IAsyncDisposable
{
    public const string TaskId = "TASK-20261130-101500-5e1f2a3b";

    private static readonly string[] ActiveStatuses = ["running", "working", "blocked", "reviewing"];

    private readonly TempDirectory _temp;

    private OutcomeWorkspace(TempDirectory temp, TmuxTestServer tmux)
    {
        _temp = temp;
        Tmux = tmux;
    }

    public string Root => _temp.Combine("workspace");

    public TmuxTestServer Tmux { get; }

    public string TaskDirectory => Path.Combine(Root, TaskId);

    public string TaskPath => Path.Combine(TaskDirectory, RegistryDiscovery.TaskRegistryFileName);

    public string GlobalPath => RegistryDiscovery.GlobalRegistryPath(Root);

    /// <param name="agents">The task's agents (see <see cref="Agents"/>); the global registry gets this version's deploy entry for each.</param>
    /// <param name="liveSessions">Sessions started (running <c>cat</c>) on the private tmux server.</param>
    public static async Task<OutcomeWorkspace> CreateAsync(IReadOnlyList<JsonObject> agents, IEnumerable<string> liveSessions)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var temp = new TempDirectory();
        try
        {
            var root = temp.Combine("workspace");
            var created = Agents.PythonIsoformat(DateTimeOffset.UtcNow - TimeSpan.FromHours(1));
            var active = agents.Count(a => ActiveStatuses.Contains((string?)a["status"]));
            await OrchestratorWriter.CreateAsync(Path.Combine(root, TaskId, RegistryDiscovery.TaskRegistryFileName), TaskRegistry(root, agents, created, active));
            await OrchestratorWriter.CreateAsync(RegistryDiscovery.GlobalRegistryPath(root), GlobalRegistry(agents, created, active));
            return new OutcomeWorkspace(temp, await TmuxTestServer.StartAsync(liveSessions));
        }
        catch
        {
            temp.Dispose();
            throw;
        }
    }

    public string StreamLog(string agentId, string directory = "logs") => Path.Combine(TaskDirectory, directory, $"{agentId}_stream.jsonl");

    public string ProgressFile(string agentId, string directory = "progress") => Path.Combine(TaskDirectory, directory, $"{agentId}_progress.jsonl");

    /// <summary>
    /// Writes an agent's stream log as <c>claude -p --output-format stream-json | tee</c> leaves it: a few
    /// assistant lines, then <paramref name="last"/> (e.g. <see cref="EvidenceTask.Result"/>), or none.
    /// </summary>
    public string WriteStreamLog(string agentId, string? last, string directory = "logs") =>
        EvidenceTask.Write(StreamLog(agentId, directory), [EvidenceTask.Assistant("Reading the code."), EvidenceTask.Assistant("Making the change."), .. last is null ? Array.Empty<string>() : [last]]);

    /// <summary>Appends a report as update_agent_progress does: one json.dumps line (", " and ": "), stamped in naive local time.</summary>
    public string AppendProgress(string agentId, string status, int progress, string message, DateTimeOffset at, string directory = "progress")
    {
        var path = ProgressFile(agentId, directory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.AppendAllText(path, $$"""{"timestamp": "{{Agents.PythonIsoformat(at)}}", "agent_id": "{{agentId}}", "status": "{{status}}", "message": "{{message}}", "progress": {{progress}}}""" + "\n");
        return path;
    }

    public JsonObject ReadTask() => RegistryJson.Read(TaskPath);

    public JsonObject ReadGlobal() => RegistryJson.Read(GlobalPath);

    public JsonObject TaskAgent(string agentId) => ReadTask()["agents"]!.AsArray().Last(a => (string?)a!["id"] == agentId)!.AsObject();

    public JsonObject GlobalAgent(string agentId) => ReadGlobal()["agents"]![agentId]!.AsObject();

    /// <summary>Runs registryctl in-process against this workspace and its tmux server.</summary>
    public Task<CliResult> RunAsync(params string[] args) =>
        RegistryctlInProcess.RunAsync([.. args, "--workspace", Root, "--tmux-socket", Tmux.SocketPath]);

    /// <summary>Runs registryctl in-process against this workspace, choosing the tmux server (or none) in <paramref name="args"/>.</summary>
    public Task<CliResult> RunOnWorkspaceAsync(params string[] args) =>
        RegistryctlInProcess.RunAsync([.. args, "--workspace", Root]);

    public FileStates CaptureFiles() => FileStates.Capture(Root);

    public async ValueTask DisposeAsync()
    {
        await Tmux.DisposeAsync();
        _temp.Dispose();
    }

    private static JsonObject TaskRegistry(string root, IReadOnlyList<JsonObject> agents, string created, int active) => new()
    {
        ["task_id"] = TaskId,
        ["task_description"] = "Add rate limiting to the login endpoint",
        ["created_at"] = created,
        ["workspace"] = Path.Combine(root, TaskId),
        ["workspace_base"] = root,
        ["client_cwd"] = null,
        ["status"] = "INITIALIZED",
        ["priority"] = "P2",
        ["agents"] = new JsonArray([.. agents.Select(a => a.DeepClone())]),
        ["agent_hierarchy"] = new JsonObject { ["orchestrator"] = new JsonArray([.. agents.Select(a => a["id"]!.DeepClone())]) },
        ["max_agents"] = 45,
        ["max_depth"] = 5,
        ["max_concurrent"] = 20,
        ["total_spawned"] = agents.Count,
        ["active_count"] = active,
        ["completed_count"] = agents.Count(a => (string?)a["status"] == "completed"),
    };

    private static JsonObject GlobalRegistry(IReadOnlyList<JsonObject> agents, string created, int active)
    {
        var global = new JsonObject();
        foreach (var agent in agents)
        {
            global[(string)agent["id"]!] = new JsonObject
            {
                ["task_id"] = TaskId,
                ["type"] = agent["type"]!.DeepClone(),
                ["parent"] = agent["parent"]!.DeepClone(),
                ["started_at"] = agent["started_at"]!.DeepClone(),
                ["tmux_session"] = agent["tmux_session"]!.DeepClone(),
                ["status"] = agent["status"]!.DeepClone(),
            };
        }

        return new JsonObject
        {
            ["created_at"] = created,
            ["total_tasks"] = 1,
            ["active_tasks"] = 1,
            ["total_agents_spawned"] = agents.Count,
            ["active_agents"] = active,
            ["max_concurrent_agents"] = 20,
            ["tasks"] = new JsonObject { [TaskId] = new JsonObject { ["description"] = "Add rate limiting to the login endpoint", ["created_at"] = created, ["status"] = "INITIALIZED" } },
            ["agents"] = global,
        };
    }
}
