using RegistryController.Store.Sqlite;

namespace RegistryController.Tests.Store.Sqlite;

/// <summary>
/// Files that are not a sound 2026 state database: each read and each repair fails with a
/// <see cref="SqliteStateException"/> naming the file and the problem, and the file is left byte for byte as it was.
/// </summary>
public sealed class SqliteStateStoreBadInputTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteStateStore _store = new(new SqliteStoreOptions { MaxFileBytes = 1024 * 1024 });

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string> Cases => new()
    {
        { "text", "not a SQLite database (file is not a database)" },
        { "empty", "empty file (0 bytes): not an orchestrator state database" },
        { "truncated", "damaged or truncated database (database disk image is malformed)" },
        { "no agent_progress_latest", "not the orchestrator's 2026 schema: missing table agent_progress_latest" },
        { "no pid columns", "not the orchestrator's 2026 schema: table agents lacks columns claude_pid, cursor_pid" },
        { "user_version 3", "unknown schema version (PRAGMA user_version = 3; the orchestrator's 2026 schema has 0); not read, nothing written" },
        { "too large", "bytes, more than the limit of 1048576 bytes; not opened" },
    };

    private async Task<string> MakeAsync(string kind)
    {
        var db = _dir.Combine("state.sqlite3");
        switch (kind)
        {
            case "text":
                await File.WriteAllTextAsync(db, "{\"tasks\": {}}\n");
                break;
            case "empty":
                await File.WriteAllBytesAsync(db, []);
                break;
            case "truncated":
                var whole = await File.ReadAllBytesAsync(OrchestratorSqlite.FixtureDatabase);
                await File.WriteAllBytesAsync(db, whole[..(whole.Length / 2)]);
                break;
            case "no agent_progress_latest":
                OrchestratorSqlite.CopyFixture(_dir.Path);
                File.Move(_dir.Combine("registry", "state.sqlite3"), db);
                await OrchestratorSqlite.ExecuteAsync(db, "DROP TABLE agent_progress_latest");
                break;
            case "no pid columns":
                OrchestratorSqlite.CopyFixture(_dir.Path);
                File.Move(_dir.Combine("registry", "state.sqlite3"), db);
                await OrchestratorSqlite.ExecuteAsync(db, "ALTER TABLE agents DROP COLUMN claude_pid", "ALTER TABLE agents DROP COLUMN cursor_pid");
                break;
            case "user_version 3":
                OrchestratorSqlite.CopyFixture(_dir.Path);
                File.Move(_dir.Combine("registry", "state.sqlite3"), db);
                await OrchestratorSqlite.ExecuteAsync(db, "PRAGMA user_version = 3");
                break;
            case "too large":
                OrchestratorSqlite.CopyFixture(_dir.Path);
                File.Move(_dir.Combine("registry", "state.sqlite3"), db);
                await using (var file = File.OpenWrite(db))
                {
                    file.SetLength(2 * 1024 * 1024);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        return db;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Reading_a_file_that_is_not_a_sound_state_database_fails_naming_the_file_and_the_problem(string kind, string problem)
    {
        var db = await MakeAsync(kind);
        var before = await File.ReadAllBytesAsync(db);

        var e = await Assert.ThrowsAsync<SqliteStateException>(() => _store.ReadAsync(db, CancellationToken.None));

        Assert.StartsWith($"{db}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem.Replace("; nothing written", string.Empty, StringComparison.Ordinal), e.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(db));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Repairing_a_file_that_is_not_a_sound_state_database_fails_naming_the_file_and_the_problem_and_writes_nothing(string kind, string problem)
    {
        var db = await MakeAsync(kind);
        var before = await File.ReadAllBytesAsync(db);
        var transition = new SqliteTransition(OrchestratorSqlite.TaskId, "builder-092433-ebff80", "running", "terminated", "2026-11-30T09:31:02.123456", "gone");

        var e = await Assert.ThrowsAsync<SqliteStateException>(() => _store.ApplyAsync(db, [transition], CancellationToken.None));

        Assert.StartsWith($"{db}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(db));
        Assert.False(File.Exists(db + "-wal") && new FileInfo(db + "-wal").Length > 0, "a repair of a bad file left frames in the WAL");
    }
}
