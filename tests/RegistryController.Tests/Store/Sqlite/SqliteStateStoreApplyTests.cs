using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using RegistryController.Store.Sqlite;

namespace RegistryController.Tests.Store.Sqlite;

public sealed class SqliteStateStoreApplyTests : IDisposable
{
    private const string Builder = "builder-092433-ebff80";
    private const string Documenter = "documenter-092433-0638dd";
    private const string Now = "2026-11-30T09:31:02.123456";

    private readonly TempDirectory _dir = new();
    private readonly SqliteStateStore _store = new(new SqliteStoreOptions());

    public void Dispose() => _dir.Dispose();

    private static SqliteTransition Terminate(string agentId, string from = "running") =>
        new(OrchestratorSqlite.TaskId, agentId, from, "terminated", Now, "registryctl: session agent_" + agentId + " is gone");

    private static Task<JsonNode?> AgentAsync(string db, string agentId) => RowAsync(db,
        "SELECT status, progress, last_update, completed_at FROM agents WHERE agent_id = ?", agentId);

    private static Task<JsonNode?> LatestAsync(string db, string agentId) => RowAsync(db,
        "SELECT timestamp, status, progress, message FROM agent_progress_latest WHERE agent_id = ?", agentId);

    private static async Task<JsonNode?> RowAsync(string db, string sql, string agentId) =>
        (await OrchestratorSqlite.QueryAsync(db, sql, agentId)).SingleOrDefault();

    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    [Fact]
    public async Task A_repair_to_terminated_writes_the_row_as_update_agent_status_does_keeping_its_progress()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        var result = await _store.ApplyAsync(db, [Terminate(Builder)], CancellationToken.None);

        Assert.Equal([Terminate(Builder)], result.Applied.ToArray());
        Assert.Empty(result.Superseded);
        Assert.Equal($$"""{"status":"terminated","progress":0,"last_update":"{{Now}}","completed_at":"{{Now}}"}""", Json(await AgentAsync(db, Builder)));
        Assert.Equal(
            $$"""{"timestamp":"{{Now}}","status":"terminated","progress":0,"message":"registryctl: session agent_{{Builder}} is gone"}""",
            Json(await LatestAsync(db, Builder)));
        Assert.Equal(Now, (string?)(await OrchestratorSqlite.QueryAsync(db, "SELECT updated_at FROM tasks"))[0]!["updated_at"]);
    }

    [Fact]
    public async Task A_repair_to_completed_sets_progress_100_in_the_row_and_in_the_latest_report()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        var complete = new SqliteTransition(OrchestratorSqlite.TaskId, Documenter, "running", "completed", Now, "registryctl: result line is_error false");

        await _store.ApplyAsync(db, [complete], CancellationToken.None);

        Assert.Equal($$"""{"status":"completed","progress":100,"last_update":"{{Now}}","completed_at":"{{Now}}"}""", Json(await AgentAsync(db, Documenter)));
        Assert.Equal(100, (int?)(await LatestAsync(db, Documenter))!["progress"]);
    }

    [Fact]
    public async Task A_repair_keeps_a_completed_at_the_orchestrator_already_wrote()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        await OrchestratorSqlite.ExecuteAsync(db, $"UPDATE agents SET completed_at = '2026-11-30T09:25:00' WHERE agent_id = '{Builder}'");

        await _store.ApplyAsync(db, [Terminate(Builder)], CancellationToken.None);

        Assert.Equal("2026-11-30T09:25:00", (string?)(await AgentAsync(db, Builder))!["completed_at"]);
    }

    [Fact]
    public async Task A_repair_loses_to_a_status_change_the_orchestrator_committed_after_the_agent_was_judged()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        await OrchestratorSqlite.SetStatusAsync(db, Builder, "completed");
        var orchestrators = Json(await AgentAsync(db, Builder)) + Json(await LatestAsync(db, Builder));

        var result = await _store.ApplyAsync(db, [Terminate(Builder)], CancellationToken.None);

        Assert.Empty(result.Applied);
        Assert.Equal([Terminate(Builder)], result.Superseded.ToArray());
        Assert.Equal(orchestrators, Json(await AgentAsync(db, Builder)) + Json(await LatestAsync(db, Builder)));
    }

    [Fact]
    public async Task A_repair_waiting_for_the_write_lock_loses_to_the_status_change_that_lock_commits()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        // kill_real_agent's write, held open for a second: our repair can only run after it commits.
        await using var killer = await OrchestratorSqlite.HoldWriteLockAsync(db, TimeSpan.FromSeconds(1), end: "COMMIT",
            statements: [$"UPDATE agents SET status = 'killed' WHERE agent_id = '{Builder}'"]);

        var result = await _store.ApplyAsync(db, [Terminate(Builder), Terminate(Documenter)], CancellationToken.None);

        Assert.Equal([Terminate(Builder)], result.Superseded.ToArray());
        Assert.Equal([Terminate(Documenter)], result.Applied.ToArray());
        Assert.Equal("killed", (string?)(await AgentAsync(db, Builder))!["status"]);
        Assert.Null(await LatestAsync(db, Builder));
    }

    [Fact]
    public async Task A_repair_of_an_agent_that_is_not_in_the_database_is_superseded_and_writes_nothing()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        var result = await _store.ApplyAsync(db, [Terminate("ghost-000000-000000")], CancellationToken.None);

        Assert.Equal([Terminate("ghost-000000-000000")], result.Superseded.ToArray());
        Assert.Null(await LatestAsync(db, "ghost-000000-000000"));
    }

    [Fact]
    public async Task After_repairs_among_the_orchestrators_own_writes_integrity_check_is_ok()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        await OrchestratorSqlite.RecordProgressAsync(db, "investigator-092433-a80fa8", "working", 60, "half way");

        await _store.ApplyAsync(db, [Terminate(Builder), Terminate("analyst-092433-18bff9", from: "working")], CancellationToken.None);
        await OrchestratorSqlite.SetStatusAsync(db, "investigator-092433-a80fa8", "completed");

        Assert.Equal("ok", await OrchestratorSqlite.IntegrityCheckAsync(db));
    }

    [Fact]
    public async Task A_repair_holds_the_write_lock_for_milliseconds()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        var result = await _store.ApplyAsync(db, [Terminate(Builder), Terminate(Documenter)], CancellationToken.None);

        // Generous: on a loaded machine the holder can be descheduled mid-transaction (docs/reliability.md).
        Assert.True(result.LockHeld < TimeSpan.FromMilliseconds(500), $"held {result.LockHeld.TotalMilliseconds} ms");
        Assert.True(result.LockHeld > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_repair_gives_up_on_a_database_locked_past_the_busy_timeout_and_writes_nothing()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        var store = new SqliteStateStore(new SqliteStoreOptions { BusyTimeout = TimeSpan.FromSeconds(1) });
        await using (var holder = await OrchestratorSqlite.HoldWriteLockAsync(db, TimeSpan.FromSeconds(20)))
        {
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<SqliteStateException>(() => store.ApplyAsync(db, [Terminate(Builder)], CancellationToken.None));

            Assert.Equal($"{db}: locked by another writer for more than 1 s (Sqlite:BusyTimeout); nothing written", e.Message);
            // Gave up on its own after the busy timeout, long before the writer's 20 s hold ends (a loaded
            // machine may add seconds to the wait's slices, never take any away).
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(12));
            // Reading needs no lock: it goes on while the writer holds on.
            Assert.Equal("running", Assert.Single((await store.ReadAsync(db, CancellationToken.None)).Agents, a => a.Id == Builder).Status);
        }

        Assert.Equal("running", (string?)(await AgentAsync(db, Builder))!["status"]);
        Assert.Null(await LatestAsync(db, Builder));
    }

    [Fact]
    public async Task A_repair_waiting_for_the_write_lock_stops_when_cancelled()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        await using var holder = await OrchestratorSqlite.HoldWriteLockAsync(db, TimeSpan.FromSeconds(20));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.ApplyAsync(db, [Terminate(Builder)], cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed} to notice the cancellation");
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task A_read_only_database_is_read_but_a_repair_of_it_fails_naming_the_file()
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        var before = await File.ReadAllBytesAsync(db);
        await using (await OrchestratorSqlite.MakeReadOnlyAsync(db))
        {
            Assert.Equal(7, (await _store.ReadAsync(db, CancellationToken.None)).Agents.Length);

            var e = await Assert.ThrowsAsync<SqliteStateException>(() => _store.ApplyAsync(db, [Terminate(Builder)], CancellationToken.None));

            Assert.StartsWith($"{db}: read-only", e.Message, StringComparison.Ordinal);
            Assert.EndsWith("nothing written", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, await File.ReadAllBytesAsync(db));
    }

    [Fact]
    public async Task A_repair_of_a_missing_file_fails_and_never_creates_it()
    {
        var db = _dir.Combine("state.sqlite3");

        var e = await Assert.ThrowsAsync<SqliteStateException>(() => _store.ApplyAsync(db, [Terminate(Builder)], CancellationToken.None));

        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("2026-11-30T09:31:02+05:45")]
    [InlineData("2026-11-30T09:31:02.123456Z")]
    [InlineData("2026-11-30 09:31:02")]
    public async Task A_repair_with_a_timestamp_that_is_not_naive_local_iso_is_refused_before_the_file_is_opened(string timestamp)
    {
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);

        await Assert.ThrowsAsync<ArgumentException>(() => _store.ApplyAsync(db, [Terminate(Builder) with { Timestamp = timestamp }], CancellationToken.None));

        Assert.False(File.Exists(db + "-wal"), "the database was opened");
    }
}
