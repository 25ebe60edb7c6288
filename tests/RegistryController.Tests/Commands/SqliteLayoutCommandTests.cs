using System.Security.Cryptography;
using System.Text.Json;
using RegistryController.Generation;

namespace RegistryController.Tests.Commands;

/// <summary>
/// <c>health</c> and <c>repair</c> on the 2026 orchestrator's own workspace (the orchestrator-2026 fixture: SQLite
/// state, evidence in logs/, progress/ and archive/), with tmux running the sessions that were alive at capture.
/// </summary>
public class SqliteLayoutCommandTests
{
    private static string ZombieKey(string agentId, string outcome) => $"{agentId} → {outcome}";

    private static IEnumerable<string> ExpectedEndings => Orchestrator2026Workspace.ExpectedZombies
        .Select(a => ZombieKey((string)a["agent_id"]!, (string)a["correct_reconcile"]!["status"]!))
        .Order(StringComparer.Ordinal);

    [Fact]
    public async Task Health_finds_exactly_the_zombies_expected_json_names_each_with_its_outcome()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();

        var result = await workspace.RunAsync("health", "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        var zombies = result.Report().GetProperty("registries").EnumerateArray()
            .SelectMany(r => r.GetProperty("zombies").EnumerateArray())
            .Select(z => ZombieKey(z.GetProperty("agent_id").GetString()!, z.GetProperty("outcome").GetString()!));
        Assert.Equal(ExpectedEndings, zombies.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_json_report_names_the_sqlite_2026_layout_and_the_task_by_its_database()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();

        var report = (await workspace.RunAsync("health", "--json")).Report();

        Assert.Equal("sqlite-2026", report.GetProperty("layout").GetString());
        var task = Assert.Single(report.GetProperty("registries").EnumerateArray());
        Assert.Equal($"{workspace.Database}#{OrchestratorSqlite.TaskId}", task.GetProperty("path").GetString());
        Assert.Equal(OrchestratorSqlite.TaskId, task.GetProperty("task_id").GetString());
    }

    [Fact]
    public async Task The_human_report_says_how_many_of_the_tasks_slots_zombies_hold()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();

        var result = await workspace.RunAsync("health");

        Assert.Contains($"state: sqlite-2026, SQLite {workspace.Database}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"task {OrchestratorSqlite.TaskId}: 4 of 20 slots held, {Orchestrator2026Workspace.ExpectedZombies.Count} by zombies", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repair_writes_each_zombie_row_as_the_orchestrators_own_transition_to_its_outcome_would()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var zombie in Orchestrator2026Workspace.ExpectedZombies)
        {
            var id = (string)zombie["agent_id"]!;
            var outcome = (string)zombie["correct_reconcile"]!["status"]!;
            var row = (await workspace.QueryAsync(
                """
                SELECT a.status, a.progress, a.completed_at, a.last_update, l.status AS latest_status, l.progress AS latest_progress, l.timestamp, l.message
                  FROM agents a JOIN agent_progress_latest l USING (task_id, agent_id) WHERE a.agent_id = ?
                """,
                id)).Single()!;
            Assert.Equal(outcome, (string?)row["status"]);
            Assert.Equal(outcome, (string?)row["latest_status"]);
            Assert.Equal((string?)row["completed_at"], (string?)row["last_update"]);
            Assert.Equal((string?)row["completed_at"], (string?)row["timestamp"]);
            Assert.DoesNotContain("+", (string?)row["completed_at"], StringComparison.Ordinal);
            Assert.Contains("registryctl", (string?)row["message"], StringComparison.Ordinal);
            if (outcome == "completed")
            {
                Assert.Equal(100, (int?)row["progress"]);
                Assert.Equal(100, (int?)row["latest_progress"]);
            }
        }
    }

    [Fact]
    public async Task Repair_appends_each_ending_as_the_last_line_of_the_agents_progress_file_where_the_orchestrators_reimport_reads()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();

        await workspace.RunAsync("repair");

        var lines = Orchestrator2026Workspace.ExpectedZombies.Select(z => (Id: (string)z["agent_id"]!, Line: workspace.LastProgressLine((string)z["agent_id"]!)));
        Assert.Equal(
            ExpectedEndings,
            lines.Select(l => ZombieKey(l.Id, (string?)l.Line?["status"] ?? "(no progress/ file)")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Repair_leaves_the_rows_of_live_and_finished_agents_and_every_json_registry_as_they_were()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        const string Untouched = "SELECT agent_id, status, progress, completed_at, last_update FROM agents WHERE agent_id NOT IN (SELECT value FROM json_each(?)) ORDER BY agent_id";
        var zombies = JsonSerializer.Serialize(Orchestrator2026Workspace.ExpectedZombies.Select(z => (string)z["agent_id"]!));
        var rowsBefore = (await workspace.QueryAsync(Untouched, zombies)).ToJsonString();
        var jsonBefore = HashJsonRegistries(workspace.Root);

        await workspace.RunAsync("repair");

        Assert.Equal(rowsBefore, (await workspace.QueryAsync(Untouched, zombies)).ToJsonString());
        Assert.Equal(jsonBefore, HashJsonRegistries(workspace.Root));
    }

    [Fact]
    public async Task Health_after_a_repair_finds_the_workspace_healthy()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await workspace.RunAsync("repair");

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task An_agent_session_younger_than_the_grace_is_not_an_orphan_though_no_row_names_it()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync("agent_deploying-000000-abcdef");

        var report = (await workspace.RunAsync("health", "--json", "--grace", "10m")).Report();

        Assert.Empty(report.GetProperty("orphans").EnumerateArray());
    }

    [Fact]
    public async Task An_agent_session_older_than_the_grace_that_no_row_or_registry_names_is_an_orphan()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync("agent_stray-000000-abcdef");

        // The shortest grace the settings allow (longer than Controller:MaxViewAge); tmux stamps creation in whole seconds.
        await Eventually.Until(
            async () => (await workspace.RunAsync("health", "--json", "--grace", "3s")).Report().GetProperty("orphans").EnumerateArray()
                .Select(o => o.GetProperty("session").GetString()).SequenceEqual(["agent_stray-000000-abcdef"]),
            TimeSpan.FromSeconds(20),
            "the stray session is reported as the one orphan");
    }

    [Fact]
    public async Task A_session_no_row_names_but_an_adopted_tasks_json_registry_does_is_not_an_orphan()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync("agent_adopted-000000-abcdef", "agent_stray-000000-abcdef");
        // An adopted 2025 task the orchestrator has not re-imported yet: its agents are in its JSON only.
        Directory.CreateDirectory(Path.Combine(workspace.Root, "TASK-20251017-215604-df6a3cbd"));
        await File.WriteAllTextAsync(
            Path.Combine(workspace.Root, "TASK-20251017-215604-df6a3cbd", "AGENT_REGISTRY.json"),
            """{"task_id": "TASK-20251017-215604-df6a3cbd", "agents": [{"id": "adopted-000000-abcdef", "status": "running", "tmux_session": "agent_adopted-000000-abcdef", "started_at": "2025-10-17T21:56:04"}], "active_count": 1}""");

        IEnumerable<string?> orphans = [];
        // Waits for the stray, named by nothing, to outgrow the grace: by then the adopted session has too.
        await Eventually.Until(
            async () => (orphans = [.. (await workspace.RunAsync("health", "--json", "--grace", "3s")).Report().GetProperty("orphans").EnumerateArray()
                .Select(o => o.GetProperty("session").GetString())]).Contains("agent_stray-000000-abcdef"),
            TimeSpan.FromSeconds(20),
            "the stray session is reported as an orphan");

        Assert.Equal(["agent_stray-000000-abcdef"], orphans);
    }

    public static TheoryData<string, string> BadDatabases => new()
    {
        { "not a database", "not a SQLite database" },
        { "no agents.status", "table agents lacks column status" },
    };

    [Theory]
    [MemberData(nameof(BadDatabases))]
    public async Task Health_on_a_bad_state_database_exits_2_naming_the_file_and_the_problem_and_writes_nothing(string kind, string problem)
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        if (kind == "not a database")
        {
            await File.WriteAllTextAsync(workspace.Database, "SQLite format 2? no: a text file\n");
        }
        else
        {
            await OrchestratorSqlite.ExecuteAsync(workspace.Database, "PRAGMA foreign_keys=OFF", "DROP INDEX IF EXISTS idx_agents_status", "ALTER TABLE agents DROP COLUMN status");
        }

        var before = HashWorkspace(workspace.Root);

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(workspace.Database, result.Stdout, StringComparison.Ordinal);
        Assert.Contains(problem, result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, HashWorkspace(workspace.Root));
    }

    [Fact]
    public async Task Health_on_a_state_database_locked_past_the_busy_timeout_exits_2_saying_so()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        // An exclusive-mode writer keeps even WAL readers out, as long as it holds its lock.
        await using var writer = await OrchestratorSqlite.HoldWriteLockAsync(
            workspace.Database,
            TimeSpan.FromSeconds(30),
            setup: ["PRAGMA locking_mode=EXCLUSIVE"],
            statements: ["UPDATE tasks SET updated_at = updated_at"]);

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(workspace.Database, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("locked by another writer for more than 5 s (Sqlite:BusyTimeout); not read", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workspace_without_a_state_database_is_judged_from_its_json_registries_and_says_so()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0));

        var report = (await workspace.RunAsync("health", "--json")).Report();

        Assert.Equal("json-2025", report.GetProperty("layout").GetString());
    }

    private static Dictionary<string, string> HashJsonRegistries(string root) =>
        Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is "AGENT_REGISTRY.json" or "GLOBAL_REGISTRY.json")
            .ToDictionary(f => f, Hash, StringComparer.Ordinal);

    private static Dictionary<string, string> HashWorkspace(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            // SQLite makes -wal and -shm beside a database it opens, even read-only: not a write of ours.
            .Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal))
            .ToDictionary(f => f, Hash, StringComparer.Ordinal);

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
