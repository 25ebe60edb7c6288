using Microsoft.Extensions.Logging;
using RegistryController.Generation;

namespace RegistryController.Tests.Controller;

/// <summary>
/// registryctl run on 2026 (SQLite) workspaces: a real copy of the orchestrator's database, real tmux on a private
/// server, python3 writers with the orchestrator's own write patterns. The periodic scan is once a minute unless a
/// test says otherwise, so a repair within seconds came from tmux's push or the file events.
/// </summary>
public class SqliteRunTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task At_startup_every_zombie_row_is_ended_as_its_evidence_says_and_live_agents_stay()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();

        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);

        Assert.Equal("terminated", await workspace.StatusAsync("builder-092433-ebff80"));
        Assert.Equal("completed", await workspace.StatusAsync("documenter-092433-0638dd"));
        Assert.Equal("completed", await workspace.StatusAsync("analyst-092433-18bff9"));
        Assert.Equal("working", await workspace.StatusAsync(SqliteRunWorkspace.LiveAgent));
        Assert.Equal("working", await workspace.StatusAsync(SqliteRunWorkspace.SecondLiveAgent));
        Assert.True(controller.Logs.Any(LogLevel.Information, "(sqlite-2026: registry/state.sqlite3"));
    }

    [Fact]
    public async Task Killing_a_live_agents_session_ends_its_row_through_tmuxs_push()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        await workspace.Tmux.WaitForControlClientAsync();
        var victim = await VictimAsync(workspace);

        await workspace.Tmux.Server.KillSessionAsync(SqliteRunWorkspace.SessionOf(victim));

        await Eventually.Until(async () => await workspace.StatusAsync(victim) == "terminated", Bound, $"{victim} terminated");
        var latest = await workspace.QueryAsync("SELECT message FROM agent_progress_latest WHERE agent_id = ?", victim);
        Assert.Contains("session_not_found", (string?)latest.Single()!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_row_committed_for_a_session_that_does_not_exist_is_ended_through_the_wal_file_event()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);

        // The writer keeps its connection open after the commit: no checkpoint folds the WAL back into the main
        // file, so the commit is seen only as state.sqlite3-wal changing.
        await using var writer = await OrchestratorSqlite.HoldWriteLockAsync(
            workspace.Database,
            TimeSpan.Zero,
            end: "COMMIT",
            statements: [SqliteRunWorkspace.InsertAgent("ghost-092433-000001", "running", SqliteRunWorkspace.NaiveLocal(TimeSpan.FromMinutes(5)))],
            linger: TimeSpan.FromSeconds(30));
        await writer.WaitForAsync("released");

        await Eventually.Until(async () => await workspace.StatusAsync("ghost-092433-000001") == "terminated", Bound, "the ghost row terminated");
        Assert.Equal("working", await workspace.StatusAsync(SqliteRunWorkspace.LiveAgent));
    }

    [Fact]
    public async Task A_json_and_a_sqlite_workspace_watched_together_both_have_their_dead_agents_ended()
    {
        await using var sqlite = await SqliteRunWorkspace.StartAsync();
        using var temp = new TempDirectory();
        var json = await SqliteRunWorkspace.GenerateJsonBesideAsync(temp, sqlite.Tmux, new AgentMix(Live: 3, Zombie: 0));
        await using var controller = await InProcessController.StartAsync(sqlite.Root, sqlite.Tmux, s =>
        {
            s["Workspaces:0"] = sqlite.Root;
            s["Workspaces:1"] = json.Root;
        });
        await sqlite.Tmux.WaitForControlClientAsync();
        var attached = await sqlite.Tmux.ControlClientSessionAsync();
        var jsonSession = json.Truth.LiveSessions.First(s => s != attached);
        var jsonRegistry = Path.Combine(json.Root, json.TaskIds[0], "AGENT_REGISTRY.json");
        var jsonAgent = RegistryJson.Read(jsonRegistry)["agents"]!.AsArray().Single(a => (string?)a!["tmux_session"] == jsonSession)!["id"]!.ToString();
        var sqliteAgent = await VictimAsync(sqlite);

        await sqlite.Tmux.Server.KillSessionAsync(jsonSession);
        await sqlite.Tmux.Server.KillSessionAsync(SqliteRunWorkspace.SessionOf(sqliteAgent));

        await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(jsonRegistry, jsonAgent), Bound, $"{jsonAgent} terminated in the JSON registry");
        await Eventually.Until(async () => await sqlite.StatusAsync(sqliteAgent) == "terminated", Bound, $"{sqliteAgent} terminated in SQLite");
        Assert.Equal("terminated", await sqlite.StatusAsync("builder-092433-ebff80"));
    }

    [Fact]
    public async Task A_session_no_row_names_is_killed_after_the_grace_and_live_agents_sessions_never_are()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s =>
        {
            s["Controller:ScanInterval"] = "200ms";
            s["Controller:KillOrphansAfter"] = "1s";
            s["Reconcile:Grace"] = "3s";
        });
        var born = DateTimeOffset.UtcNow;

        await workspace.Tmux.Server.NewSessionAsync("agent_stray-092433-000002");

        await Eventually.Until(async () => !await workspace.Tmux.HasSessionAsync("agent_stray-092433-000002"), TimeSpan.FromSeconds(15), "the stray is killed");
        var lived = DateTimeOffset.UtcNow - born;
        // tmux gives a session's creation in whole seconds: the grace may be measured from up to a second earlier.
        Assert.True(lived >= TimeSpan.FromSeconds(3), $"killed after {lived.TotalMilliseconds:0} ms, within the grace and kill-after");
        Assert.True(await workspace.Tmux.HasSessionAsync(SqliteRunWorkspace.SessionOf(SqliteRunWorkspace.LiveAgent)));
        Assert.True(await workspace.Tmux.HasSessionAsync(SqliteRunWorkspace.SessionOf(SqliteRunWorkspace.SecondLiveAgent)));
        Assert.Equal(1, controller.Manager.Orphans.Killed);
    }

    [Fact]
    public async Task A_concurrent_orchestrator_status_update_wins_over_the_repair_it_races()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        // Our repair waits out the whole hold: it must lose the race on the row, not on the lock.
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Sqlite:BusyTimeout"] = "9s");
        await workspace.Tmux.WaitForControlClientAsync();
        var victim = await VictimAsync(workspace);
        var now = SqliteRunWorkspace.NaiveLocal(TimeSpan.Zero);

        // update_agent_status(completed) in BEGIN IMMEDIATE, holding the write lock while the session dies: our
        // read sees 'working', our BEGIN IMMEDIATE waits, and the compare-and-set finds the row moved on.
        await using var writer = await OrchestratorSqlite.HoldWriteLockAsync(
            workspace.Database,
            TimeSpan.FromSeconds(4),
            end: "COMMIT",
            statements:
            [
                $"UPDATE agents SET status = 'completed', progress = 100, completed_at = '{now}', last_update = '{now}' WHERE agent_id = '{victim}'",
                $"INSERT INTO agent_progress_latest(task_id, agent_id, timestamp, status, progress, message) VALUES ('{OrchestratorSqlite.TaskId}', '{victim}', '{now}', 'completed', 100, 'Status changed from working to completed') "
                    + "ON CONFLICT(task_id, agent_id) DO UPDATE SET status = excluded.status, message = excluded.message",
            ],
            linger: TimeSpan.FromSeconds(10));
        await workspace.Tmux.Server.KillSessionAsync(SqliteRunWorkspace.SessionOf(victim));
        await writer.WaitForAsync("released");

        await Eventually.Until(() => controller.Logs.Any(LogLevel.Information, $"Agent {victim} changed status before our repair took the write lock"), Bound, "the repair lost its compare-and-set");
        Assert.Equal("completed", await workspace.StatusAsync(victim));
        var latest = await workspace.QueryAsync("SELECT message FROM agent_progress_latest WHERE agent_id = ?", victim);
        Assert.Equal("Status changed from working to completed", (string?)latest.Single()!["message"]);
    }

    [Fact]
    public async Task A_database_locked_past_the_busy_timeout_fails_with_the_file_and_the_setting_and_is_repaired_once_free()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Sqlite:BusyTimeout"] = "1s");
        await workspace.Tmux.WaitForControlClientAsync();
        var victim = await VictimAsync(workspace);
        await using var writer = await OrchestratorSqlite.HoldWriteLockAsync(workspace.Database, TimeSpan.FromSeconds(5));

        await workspace.Tmux.Server.KillSessionAsync(SqliteRunWorkspace.SessionOf(victim));

        await Eventually.Until(() => controller.Logs.Any(LogLevel.Error, "locked by another writer for more than 1 s (Sqlite:BusyTimeout); nothing written"), Bound, "the held lock is reported");
        Assert.Contains(controller.Logs.AtLeast(LogLevel.Error), l => l.Contains(workspace.Database, StringComparison.Ordinal) && l.Contains("Sqlite:BusyTimeout", StringComparison.Ordinal));
        Assert.Equal("working", await workspace.StatusAsync(victim));
        await writer.WaitForAsync("released");
        await Eventually.Until(async () => await workspace.StatusAsync(victim) == "terminated", Bound, $"{victim} terminated by the retry");
        Assert.True(controller.Running);
    }

    [Fact]
    public async Task A_state_file_that_is_not_a_database_is_reported_by_name_while_the_other_workspace_is_served()
    {
        await using var json = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 3);
        using var temp = new TempDirectory();
        var broken = temp.Combine("broken-workspace");
        var database = Path.Combine(broken, "registry", "state.sqlite3");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        await File.WriteAllTextAsync(database, string.Concat(Enumerable.Repeat("this is not a database\n", 100)));
        await using var controller = await InProcessController.StartAsync(json.Root, json.Tmux, s =>
        {
            s["Workspaces:0"] = json.Root;
            s["Workspaces:1"] = broken;
        });
        await json.Tmux.WaitForControlClientAsync();
        var attached = await json.Tmux.ControlClientSessionAsync();
        var session = json.LiveSessions.First(s => s != attached);
        var (task, agentId) = json.AgentOf(session);

        await json.Tmux.Server.KillSessionAsync(session);

        await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(json.TaskRegistry(task), agentId), Bound, $"{agentId} terminated in the healthy workspace");
        Assert.Contains(controller.Logs.AtLeast(LogLevel.Error), l => l.Contains(database, StringComparison.Ordinal) && l.Contains("not a SQLite database", StringComparison.Ordinal));
        Assert.Equal("this is not a database", (await File.ReadAllLinesAsync(database))[0]);
        Assert.True(controller.Running);
    }

    /// <summary>A live agent whose session the control client is not on (its death would be the client's own detach).</summary>
    private static async Task<string> VictimAsync(Orchestrator2026Workspace workspace)
    {
        var attached = await workspace.Tmux.ControlClientSessionAsync();
        return new[] { SqliteRunWorkspace.LiveAgent, SqliteRunWorkspace.SecondLiveAgent }.First(a => SqliteRunWorkspace.SessionOf(a) != attached);
    }
}
