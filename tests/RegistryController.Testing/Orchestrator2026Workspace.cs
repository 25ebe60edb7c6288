using System.Text.Json;
using System.Text.Json.Nodes;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Pass;
using RegistryController.Store;

namespace RegistryController.Testing;

/// <summary>
/// The orchestrator-2026 fixture as a live workspace: its files copied into a temp directory and a private tmux
/// server running exactly the sessions <c>expected.json</c> says were alive at capture. <c>registryctl</c> runs as a
/// process in the fixture's time zone, since every timestamp in it is naive local time of that zone.
/// </summary>
public sealed class Orchestrator2026Workspace : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();

    private Orchestrator2026Workspace(TmuxTestServer tmux)
    {
        Tmux = tmux;
        CopyDirectory(FixtureDirectory, Root);
    }

    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "orchestrator-2026");

    /// <summary>The IANA zone the fixture's naive timestamps were written in.</summary>
    public static string TimeZoneId => (string)OrchestratorSqlite.Expected["time_zone"]!;

    public static TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);

    public static IReadOnlyList<JsonObject> ExpectedAgents => [.. OrchestratorSqlite.Expected["agents"]!.AsArray().Select(a => a!.AsObject())];

    /// <summary>Agents whose row says active but whose session was gone at capture: what a correct reconcile ends.</summary>
    public static IReadOnlyList<JsonObject> ExpectedZombies => [.. ExpectedAgents.Where(a =>
        new ReconcileOptions().IsActive((string?)a["status_at_capture"]) && !(bool)a["session_alive_at_capture"]!)];

    public TmuxTestServer Tmux { get; }

    public string Root => _temp.Combine("workspace");

    public string Database => Path.Combine(Root, "registry", "state.sqlite3");

    public string TaskDirectory => Path.Combine(Root, OrchestratorSqlite.TaskId);

    /// <param name="extraSessions">Sessions beyond those alive at capture (strays, deploying agents).</param>
    public static async Task<Orchestrator2026Workspace> StartAsync(params string[] extraSessions)
    {
        var alive = OrchestratorSqlite.Expected["sessions_alive_at_capture"]!.AsArray().Select(s => (string)s!);
        var tmux = await TmuxTestServer.StartAsync([.. alive, .. extraSessions]);
        return new Orchestrator2026Workspace(tmux);
    }

    /// <summary>Runs <c>registryctl</c> on this workspace and its tmux server, in the fixture's time zone.</summary>
    public Task<CliResult> RunAsync(params string[] args) => RegistryctlProcess.RunAsync(
        [.. args, "--workspace", Root, "--tmux-socket", Tmux.SocketPath],
        new Dictionary<string, string> { ["TZ"] = TimeZoneId });

    /// <summary>One <c>repair</c> pass hosted in this process, on the real clock read in the fixture's zone.</summary>
    /// <param name="locks">The <c>Lock:*</c> settings (progress files' flocks are waited for within them); null for the defaults.</param>
    public Task<PassReport> RepairInProcessAsync(LockOptions? locks = null) =>
        new ReconcilePass(
            Tmux.ViewSource(),
            new RegistryStore(new RegistryStoreOptions(), locks ?? new LockOptions()),
            new ManualTime(DateTimeOffset.UtcNow, Zone),
            new ReconcileOptions(),
            locks: locks).RunAsync(Root, ReconcileScope.Everything, PassMode.Repair, null, CancellationToken.None);

    /// <summary>
    /// Makes the task an adopted 2025 one for the orchestrator's re-import: its <c>AGENT_REGISTRY.json</c> lists
    /// <paramref name="agentIds"/> as <paramref name="status"/> (an adopted task's JSON keeps its 2025 statuses).
    /// </summary>
    public void ListInTaskRegistry(string status, params string[] agentIds)
    {
        var path = Path.Combine(TaskDirectory, "AGENT_REGISTRY.json");
        var registry = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        registry["agents"] = new JsonArray([.. agentIds.Select(id => (JsonNode)new JsonObject { ["id"] = id, ["status"] = status, ["progress"] = 10 })]);
        File.WriteAllText(path, registry.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// The status the orchestrator's re-import (<c>reconcile_task_workspace</c>) would give an agent its task registry
    /// lists, read by python3 as that re-import reads: the last line of <c>progress/&lt;agent&gt;_progress.jsonl</c>
    /// (never <c>archive/</c>), else the registry's own status.
    /// </summary>
    public Task<string> ReimportedStatusAsync(string agentId) => Python.RunAsync(
        """
        import json, os, sys
        task, agent = sys.argv[1], sys.argv[2]
        listed = {a.get("id") or a.get("agent_id"): a for a in json.load(open(os.path.join(task, "AGENT_REGISTRY.json"))).get("agents") or []}
        path = os.path.join(task, "progress", agent + "_progress.jsonl")
        last = None
        if os.path.exists(path):
            lines = [l for l in open(path).read().splitlines() if l.strip()]
            last = json.loads(lines[-1]) if lines else None
        print((last or listed[agent]).get("status"), end="")
        """,
        TaskDirectory,
        agentId);

    /// <summary>The lines of <c>progress/&lt;agent&gt;_progress.jsonl</c> that registryctl wrote (<c>reconciled_by</c>), parsed.</summary>
    public IReadOnlyList<JsonObject> ReconciledLines(string agentId)
    {
        var path = Path.Combine(TaskDirectory, "progress", $"{agentId}_progress.jsonl");
        return File.Exists(path)
            ? [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).Where(o => (string?)o["reconciled_by"] == "registryctl")]
            : [];
    }

    /// <summary>
    /// Takes registryctl's lines out of the agents' progress files: what a repair SIGKILLed between its commit and its
    /// first line leaves (the rows ended, the files as before).
    /// </summary>
    public void RemoveReconciledLines(IEnumerable<string> agentIds)
    {
        ArgumentNullException.ThrowIfNull(agentIds);
        foreach (var id in agentIds)
        {
            var path = Path.Combine(TaskDirectory, "progress", $"{id}_progress.jsonl");
            File.WriteAllLines(path, File.ReadAllLines(path).Where(l => !l.Contains("\"reconciled_by\": \"registryctl\"", StringComparison.Ordinal)));
        }
    }

    /// <summary>Rows as python3's own sqlite3 reads them.</summary>
    public Task<JsonArray> QueryAsync(string sql, params string[] parameters) => OrchestratorSqlite.QueryAsync(Database, sql, parameters);

    /// <summary>The last line of <c>progress/&lt;agent&gt;_progress.jsonl</c>, parsed; null when there is no such file.</summary>
    public JsonObject? LastProgressLine(string agentId)
    {
        var path = Path.Combine(TaskDirectory, "progress", $"{agentId}_progress.jsonl");
        return File.Exists(path) ? JsonNode.Parse(File.ReadLines(path).Last(l => l.Length > 0))!.AsObject() : null;
    }

    public async ValueTask DisposeAsync()
    {
        await Tmux.DisposeAsync();
        _temp.Dispose();
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from))
        {
            var copy = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, copy);
            // As at capture, when the live agent had just written its files: File.Copy keeps the build's mtime,
            // which would make that agent look stuck (Controller:StuckAfter) to a test run long after the build.
            File.SetLastWriteTimeUtc(copy, DateTime.UtcNow);
        }
    }
}
