using System.Globalization;
using RegistryController.Generation;
using RegistryController.Judgement;

namespace RegistryController.Testing;

/// <summary>
/// The orchestrator-2026 fixture made current for a controller hosted in this process: every <c>started_at</c> at most
/// ten minutes ago in this process's zone (the fixture's naive times are Kathmandu's, which here may lie hours in the
/// future) but never after the agent's own reports in its progress file (moved later, they would date those reports
/// from an earlier run of the agent, and from 2026-11-30 09:35 UTC on they did), and a second live agent, so that a
/// test can kill a live agent's session that the control client is not attached to.
/// </summary>
public static class SqliteRunWorkspace
{
    public const string LiveAgent = "investigator-092433-a80fa8";

    public const string SecondLiveAgent = "pusher-092433-0f0f0f";

    /// <summary>Active rows without a session at capture: what a correct reconcile ends.</summary>
    public static readonly IReadOnlyList<string> Zombies = ["builder-092433-ebff80", "documenter-092433-0638dd", "analyst-092433-18bff9"];

    public static string SessionOf(string agentId) => "agent_" + agentId;

    /// <param name="extraSessions">Sessions beyond the live agents' (strays).</param>
    public static async Task<Orchestrator2026Workspace> StartAsync(params string[] extraSessions)
    {
        var workspace = await Orchestrator2026Workspace.StartAsync([SessionOf(SecondLiveAgent), .. extraSessions]);
        try
        {
            var started = NaiveLocal(TimeSpan.FromMinutes(10));
            await OrchestratorSqlite.ExecuteAsync(
                workspace.Database,
                $"UPDATE agents SET started_at = min(started_at, '{started}')",
                InsertAgent(SecondLiveAgent, "working", started));
            return workspace;
        }
        catch
        {
            await workspace.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Moves the state database (and any <c>-wal</c>/<c>-shm</c>) out of the workspace, beside it: the workspace as it is
    /// before a freshly deployed 2026 orchestrator creates its database. Returns where it went.
    /// </summary>
    public static string HideDatabase(this Orchestrator2026Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var hidden = Path.Combine(Path.GetDirectoryName(workspace.Root)!, "hidden-state.sqlite3");
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            if (File.Exists(workspace.Database + suffix))
            {
                File.Move(workspace.Database + suffix, hidden + suffix);
            }
        }

        return hidden;
    }

    /// <summary>The hidden database moved into place at once (its main file last, as a whole file appears).</summary>
    public static void RestoreDatabase(this Orchestrator2026Workspace workspace, string hidden)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        foreach (var suffix in new[] { "-wal", "-shm", string.Empty })
        {
            if (File.Exists(hidden + suffix))
            {
                File.Move(hidden + suffix, workspace.Database + suffix);
            }
        }
    }

    /// <summary>
    /// An adopted 2025 task the 2026 orchestrator has not re-imported yet: its JSON registry lists one active agent on
    /// <paramref name="session"/> (use an <c>agent_</c> name), which no row names. Returns the registry's path.
    /// </summary>
    public static string AddAdoptedTask(this Orchestrator2026Workspace workspace, string agentId, string session)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        const string taskId = "TASK-20251017-215604-df6a3cbd";
        var registry = Path.Combine(workspace.Root, taskId, "AGENT_REGISTRY.json");
        Directory.CreateDirectory(Path.GetDirectoryName(registry)!);
        File.WriteAllText(
            registry,
            $$"""{"task_id": "{{taskId}}", "agents": [{"id": "{{agentId}}", "status": "running", "tmux_session": "{{session}}", "started_at": "2025-10-17T21:56:04"}], "active_count": 1}""");
        return registry;
    }

    /// <summary>An INSERT of an agent row as <c>deploy_agent_atomic</c> writes it, for the fixture's task.</summary>
    public static string InsertAgent(string agentId, string status, string startedAt) =>
        "INSERT INTO agents(agent_id, task_id, type, tmux_session, status, started_at, progress, last_update) "
        + $"VALUES ('{agentId}', '{OrchestratorSqlite.TaskId}', 'tester', '{SessionOf(agentId)}', '{status}', '{startedAt}', 0, '{startedAt}')";

    /// <summary><c>datetime.now().isoformat()</c> of <paramref name="ago"/> ago, in this process's zone.</summary>
    public static string NaiveLocal(TimeSpan ago) =>
        (DateTime.Now - ago).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>An agent's status as python3's sqlite3 reads it.</summary>
    public static async Task<string?> StatusAsync(this Orchestrator2026Workspace workspace, string agentId)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var rows = await workspace.QueryAsync("SELECT status FROM agents WHERE agent_id = ?", agentId);
        return rows.Count == 0 ? null : (string?)rows[0]!["status"];
    }

    /// <summary>
    /// A 2025 workspace generated in <paramref name="temp"/> whose live agents run on <paramref name="tmux"/> (the 2026
    /// workspace's server), so that one controller watching both sees every agent.
    /// </summary>
    public static async Task<GeneratedWorkspace> GenerateJsonBesideAsync(TempDirectory temp, TmuxTestServer tmux, AgentMix mix)
    {
        ArgumentNullException.ThrowIfNull(temp);
        ArgumentNullException.ThrowIfNull(tmux);
        var generated = WorkspaceGenerator.Generate(temp.Combine("json-workspace"), tasks: 1, mix, orphans: 0, ClockReading.From(TimeProvider.System));
        foreach (var session in generated.Truth.LiveSessions)
        {
            await tmux.Server.NewSessionAsync(session);
        }

        return generated;
    }
}
