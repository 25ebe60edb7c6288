using System.Diagnostics;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store.Sqlite;

namespace RegistryController.Tests.Store.Sqlite;

public sealed class SqliteStateStoreReadTests : IDisposable
{
    private const string Builder = "builder-092433-ebff80";
    private const string Documenter = "documenter-092433-0638dd";

    private readonly TempDirectory _dir = new();
    private readonly SqliteStateStore _store = new(new SqliteStoreOptions());

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Reading_the_fixture_gives_every_agent_with_the_status_expected_json_says_it_had_at_capture()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        var expected = OrchestratorSqlite.Expected["agents"]!.AsArray()
            .Select(a => (Id: (string)a!["agent_id"]!, Session: (string?)a["tmux_session"], Status: (string?)a["status_at_capture"]))
            .OrderBy(a => a.Id, StringComparer.Ordinal);
        var actual = snapshot.Agents.Select(a => (a.Id, Session: a.TmuxSession, a.Status)).OrderBy(a => a.Id, StringComparer.Ordinal);
        Assert.Equal(expected, actual);
        Assert.All(snapshot.Agents, a => Assert.Equal(OrchestratorSqlite.TaskId, a.TaskId));
        Assert.Equal(db, snapshot.DatabasePath);
    }

    [Fact]
    public async Task Reading_the_fixture_gives_each_agent_what_the_judge_reads_as_stored()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        var analyst = Assert.Single(snapshot.Agents, a => a.Id == "analyst-092433-18bff9");
        Assert.Equal(
            new AgentRecord("analyst-092433-18bff9", analyst.Index, "working", "agent_analyst-092433-18bff9", "2026-11-30T09:24:35.956615", OrchestratorSqlite.TaskId),
            analyst);
        // A finished one too, without what no 2026 judgement reads.
        var fixer = Assert.Single(snapshot.Agents, a => a.Id == "fixer-092433-14d288");
        Assert.NotNull(fixer.StartedAt);
        Assert.Equal((null, null), (fixer.CompletedAt, fixer.LastUpdate));
    }

    [Fact]
    public async Task Given_the_active_statuses_a_finished_agent_is_read_without_its_start()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        var snapshot = await _store.ReadAsync(db, CancellationToken.None, new ReconcileOptions().ActiveStatuses);

        var fixer = Assert.Single(snapshot.Agents, a => a.Id == "fixer-092433-14d288");
        Assert.Equal(("completed", null), (fixer.Status, fixer.StartedAt));
        var analyst = Assert.Single(snapshot.Agents, a => a.Id == "analyst-092433-18bff9");
        Assert.Equal("2026-11-30T09:24:35.956615", analyst.StartedAt);
    }

    [Fact]
    public async Task Each_agent_has_its_place_among_its_tasks_agents_in_agent_id_order()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, snapshot.Agents.Length), snapshot.Agents.Select(a => a.Index));
        Assert.Equal(snapshot.Agents.Select(a => a.Id).Order(StringComparer.Ordinal), snapshot.Agents.Select(a => a.Id));
    }

    [Fact]
    public async Task Reading_the_fixture_gives_its_task_with_the_max_concurrent_of_its_task_config()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        await OrchestratorSqlite.ExecuteAsync(db, "UPDATE task_config SET max_concurrent = 7");

        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        Assert.Equal([new SqliteTaskRow(OrchestratorSqlite.TaskId, "ACTIVE", 7)], snapshot.Tasks.ToArray());
    }

    [Fact]
    public async Task A_task_without_a_task_config_row_has_the_orchestrators_default_max_concurrent_of_20()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        await OrchestratorSqlite.ExecuteAsync(db, "DELETE FROM task_config");

        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        Assert.Equal(20, Assert.Single(snapshot.Tasks).MaxConcurrent);
    }

    [Fact]
    public async Task Cells_of_any_storage_class_read_as_sqlite_shows_them_whatever_the_row_before_held()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        // Rows in key order, each status in another storage class, and a text equal in bytes to the blob before it.
        await OrchestratorSqlite.ExecuteAsync(db, "DELETE FROM agents",
            $"INSERT INTO agents(agent_id, task_id, status, claude_pid) VALUES ('a1', '{OrchestratorSqlite.TaskId}', CAST('working' AS BLOB), ' 42')",
            $"INSERT INTO agents(agent_id, task_id, status, claude_pid) VALUES ('a2', '{OrchestratorSqlite.TaskId}', 'working', 7.0)",
            $"INSERT INTO agents(agent_id, task_id, status, claude_pid) VALUES ('a3', '{OrchestratorSqlite.TaskId}', 1.5, 7.5)",
            $"INSERT INTO agents(agent_id, task_id, status, claude_pid) VALUES ('a4', '{OrchestratorSqlite.TaskId}', 3, x'3432')",
            $"INSERT INTO agents(agent_id, task_id, status, claude_pid) VALUES ('a5', '{OrchestratorSqlite.TaskId}', 'working', NULL)");

        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        Assert.Equal(
            [("a1", "working", 42), ("a2", "working", 7), ("a3", "1.5", null), ("a4", "3", null), ("a5", "working", null)],
            snapshot.Agents.Select(a => (a.Id, a.Status, a.ClaudePid)).ToArray());
    }

    [Fact]
    public async Task The_rows_of_one_task_share_one_string_for_its_id()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        Assert.True(snapshot.Agents.Length > 1);
        Assert.All(snapshot.Agents, a => Assert.Same(snapshot.Agents[0].TaskId, a.TaskId));
    }

    [Fact]
    public async Task Reading_sees_the_last_commit_while_a_writer_holds_uncommitted_frames_in_the_wal()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        // A one-page cache makes SQLite spill the open transaction's pages into the WAL before it commits.
        await using var writer = await OrchestratorSqlite.HoldWriteLockAsync(db, TimeSpan.FromSeconds(60),
            setup: ["PRAGMA cache_size = 1"],
            statements: [
                $"UPDATE agents SET status = 'uncommitted' WHERE agent_id = '{Builder}'",
                "INSERT INTO agent_findings(task_id, agent_id, message) SELECT task_id, agent_id, hex(randomblob(1000)) FROM agents, (SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5)",
            ]);
        Assert.True(new FileInfo(db + "-wal").Length > 0, "the writer's open transaction left no frames in the WAL");

        var clock = Stopwatch.StartNew();
        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        Assert.Equal("running", Assert.Single(snapshot.Agents, a => a.Id == Builder).Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the read waited {clock.Elapsed} on the writer");
    }

    [Fact]
    public async Task Reading_sees_what_a_writer_committed_to_the_wal_before_any_checkpoint()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        var before = await File.ReadAllBytesAsync(db);
        await using var writer = await OrchestratorSqlite.HoldWriteLockAsync(db, TimeSpan.Zero, end: "COMMIT",
            setup: ["PRAGMA wal_autocheckpoint = 0"],
            statements: [$"UPDATE agents SET status = 'terminated' WHERE agent_id = '{Builder}'"],
            linger: TimeSpan.FromSeconds(60));
        await writer.WaitForAsync("released");
        Assert.Equal(before, await File.ReadAllBytesAsync(db));

        var snapshot = await _store.ReadAsync(db, CancellationToken.None);

        Assert.Equal("terminated", Assert.Single(snapshot.Agents, a => a.Id == Builder).Status);
    }

    [Fact]
    public async Task Reading_is_one_snapshot_even_while_a_writer_moves_a_status_between_two_agents_in_each_transaction()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        var writing = OrchestratorSqlite.SwapRunningAsync(db, Builder, Documenter, 2000);

        var reads = 0;
        while (!writing.IsCompleted || reads == 0)
        {
            var snapshot = await _store.ReadAsync(db, CancellationToken.None);
            var running = snapshot.Agents.Where(a => a.Status == "running" && a.Id is Builder or Documenter).ToList();
            var task = Assert.Single(snapshot.Tasks);
            // Before the writer's first statement the task is still ACTIVE and both agents run, as in the fixture.
            if (task.Status != "ACTIVE")
            {
                Assert.Equal(task.Status, Assert.Single(running).Id);
            }

            reads++;
        }

        await writing;
    }

    [Fact]
    public async Task After_a_read_no_file_of_the_database_stays_open_in_this_process()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        await _store.ReadAsync(db, CancellationToken.None);

        var open = Directory.GetFiles("/proc/self/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Where(target => target is not null && target.StartsWith(db, StringComparison.Ordinal))
            .ToList();
        Assert.Empty(open);
    }

    [Fact]
    public async Task Reading_a_missing_file_fails_naming_it_and_never_creates_it()
    {
        var db = _dir.Combine("registry", "state.sqlite3");
        Directory.CreateDirectory(_dir.Combine("registry"));

        var e = await Assert.ThrowsAsync<SqliteStateException>(() => _store.ReadAsync(db, CancellationToken.None));

        Assert.Contains(db, e.Message, StringComparison.Ordinal);
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Combine("registry")));
    }
}
