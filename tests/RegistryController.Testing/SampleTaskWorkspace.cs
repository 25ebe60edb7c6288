using System.Text.Json;
using System.Text.Json.Nodes;
using RegistryController.Store;

namespace RegistryController.Testing;

/// <summary>One agent of the sample task as its expected.json describes it.</summary>
/// <param name="ExpectedStatus">The status a correct reconcile leaves it with.</param>
/// <param name="Untouched">A correct reconcile does nothing to it (its action is "none").</param>
public sealed record SampleAgent(string AgentId, string Session, bool SessionAlive, string StatusAtCapture, string ExpectedStatus, bool Untouched, string? GlobalStatusAtCapture);

/// <summary>
/// The orchestrator's real task directory (Fixtures/orchestrator/TASK-sample, written by its own code at
/// 52487f0) laid out as a workspace under its real task id, beside the global registry its workspace
/// held (rebuilt from expected.json: this version's deploy entry, with a status only for agents that had
/// one), and a private tmux server running only the sessions that were alive at capture.
/// </summary>
public sealed class SampleTaskWorkspace : IAsyncDisposable
{
    /// <summary>The fixture's timestamps are naive local time of a machine there.</summary>
    public const string TimeZone = "Asia/Kathmandu";

    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "orchestrator", "TASK-sample");

    // Python, so that the file is what the orchestrator's json.dump(indent=2) writes: the deploy's entry
    // (task_id, type, parent, started_at, tmux_session) and, for agents that reported, status and last_update.
    private const string GlobalScript = """
        import json, sys
        task = json.load(open(sys.argv[1]))
        statuses = json.loads(sys.argv[2])
        active = sum(1 for a in task["agents"] if a["status"] in ("running", "working", "blocked"))
        registry = {
            "created_at": task["created_at"],
            "total_tasks": 1,
            "active_tasks": 1,
            "total_agents_spawned": len(task["agents"]),
            "active_agents": active,
            "max_concurrent_agents": 20,
            "tasks": {task["task_id"]: {"description": task["task_description"], "created_at": task["created_at"], "status": "INITIALIZED", "has_enhanced_context": False}},
            "agents": {},
        }
        for a in task["agents"]:
            entry = {"task_id": task["task_id"], "type": a["type"], "parent": a["parent"], "started_at": a["started_at"], "tmux_session": a["tmux_session"]}
            if statuses.get(a["id"]) is not None:
                entry["status"] = statuses[a["id"]]
                entry["last_update"] = a["last_update"]
            registry["agents"][a["id"]] = entry
        with open(sys.argv[3], "w") as f:
            json.dump(registry, f, indent=2)
        """;

    private readonly TempDirectory _temp;

    private SampleTaskWorkspace(TempDirectory temp, string taskId, IReadOnlyList<SampleAgent> agents, TmuxTestServer tmux)
    {
        _temp = temp;
        TaskId = taskId;
        Agents = agents;
        Tmux = tmux;
    }

    public string Root => _temp.Combine("workspace");

    public string TaskId { get; }

    public IReadOnlyList<SampleAgent> Agents { get; }

    public TmuxTestServer Tmux { get; }

    public string TaskDirectory => Path.Combine(Root, TaskId);

    public string TaskPath => Path.Combine(TaskDirectory, RegistryDiscovery.TaskRegistryFileName);

    public string GlobalPath => RegistryDiscovery.GlobalRegistryPath(Root);

    public static async Task<SampleTaskWorkspace> CreateAsync()
    {
        using var expected = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(Fixture, "expected.json")));
        var root = expected.RootElement;
        var taskId = root.GetProperty("task_id").GetString()!;
        var globalStatuses = root.GetProperty("global_registry_status_at_capture");
        var agents = root.GetProperty("agents").EnumerateArray().Select(a => new SampleAgent(
            a.GetProperty("agent_id").GetString()!,
            a.GetProperty("tmux_session").GetString()!,
            a.GetProperty("session_alive_at_capture").GetBoolean(),
            a.GetProperty("status_at_capture").GetString()!,
            a.GetProperty("correct_reconcile").GetProperty("status").GetString()!,
            a.GetProperty("correct_reconcile").GetProperty("action").GetString() is { } action && action.StartsWith("none", StringComparison.Ordinal),
            globalStatuses.GetProperty(a.GetProperty("agent_id").GetString()!).GetString())).ToList();

        var temp = new TempDirectory();
        try
        {
            var taskDirectory = temp.Combine("workspace", taskId);
            CopyTaskFiles(Fixture, taskDirectory);
            Directory.CreateDirectory(temp.Combine("workspace", RegistryDiscovery.GlobalRegistryDirectory));
            await Python.RunAsync(GlobalScript, Path.Combine(taskDirectory, RegistryDiscovery.TaskRegistryFileName), globalStatuses.GetRawText(), RegistryDiscovery.GlobalRegistryPath(temp.Combine("workspace")));
            var sessions = root.GetProperty("sessions_alive_at_capture").EnumerateArray().Select(s => s.GetString()!);
            var tmux = await TmuxTestServer.StartAsync(sessions);
            return new SampleTaskWorkspace(temp, taskId, agents, tmux);
        }
        catch
        {
            temp.Dispose();
            throw;
        }
    }

    public SampleAgent Agent(string agentId) => Agents.Single(a => a.AgentId == agentId);

    /// <summary>Where the agent's progress file is now: progress/, else archive/ (after the orchestrator's clean-up).</summary>
    public string ProgressFile(string agentId)
    {
        var live = Path.Combine(TaskDirectory, "progress", $"{agentId}_progress.jsonl");
        var archived = Path.Combine(TaskDirectory, "archive", $"{agentId}_progress.jsonl");
        return File.Exists(live) || !File.Exists(archived) ? live : archived;
    }

    public JsonObject ReadTask() => RegistryJson.Read(TaskPath);

    public JsonObject ReadGlobal() => RegistryJson.Read(GlobalPath);

    public JsonObject TaskAgent(string agentId) => ReadTask()["agents"]!.AsArray().Single(a => (string?)a!["id"] == agentId)!.AsObject();

    public JsonObject GlobalAgent(string agentId) => ReadGlobal()["agents"]![agentId]!.AsObject();

    /// <summary>
    /// Runs the built registryctl as a process on this workspace with the machine's clock in the
    /// fixture's time zone, as it would run on the machine that wrote the files.
    /// </summary>
    public Task<CliResult> RunAsync(params string[] args) =>
        RegistryctlProcess.RunAsync([.. args, "--workspace", Root, "--tmux-socket", Tmux.SocketPath], new Dictionary<string, string> { ["TZ"] = TimeZone });

    public FileStates CaptureFiles() => FileStates.Capture(Root);

    public async ValueTask DisposeAsync()
    {
        await Tmux.DisposeAsync();
        _temp.Dispose();
    }

    // The task directory as the orchestrator left it: the fixture's own notes (README.md, expected.json) stay out.
    private static void CopyTaskFiles(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative is "README.md" or "expected.json")
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
