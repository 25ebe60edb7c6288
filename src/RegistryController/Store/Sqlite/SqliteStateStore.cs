using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using RegistryController.Judgement;
using RegistryController.Registry;
using SQLitePCL;

namespace RegistryController.Store.Sqlite;

/// <summary>
/// Reads and repairs the 2026 orchestrator's <c>registry/state.sqlite3</c>. It never creates, migrates or alters the
/// file: reads open it read-only, repairs open it read-write (never create) and only UPDATE agents rows the
/// orchestrator already has, each a compare-and-set on the status we judged, so any concurrent orchestrator writer wins.
/// </summary>
internal sealed partial class SqliteStateStore(SqliteStoreOptions options)
{
    // Primary result codes (https://sqlite.org/rescode.html); the extended code's low byte is the primary one.
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoErr = 10;
    private const int Corrupt = 11;
    private const int CantOpen = 14;
    private const int Constraint = 19;
    private const int NotADb = 26;

    // Short enough that a cancelled repair stops waiting within it; SQLite's own handler polls inside each slice
    // (1, 2, 5, 10 ms…), so slicing costs no latency in taking the lock.
    private static readonly TimeSpan BusySlice = TimeSpan.FromMilliseconds(50);

    private readonly SqliteStoreOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Every task and agent, read in one short read transaction on a read-only connection.</summary>
    /// <param name="activeStatuses">
    /// The statuses of agents the judge looks at closely (<see cref="ReconcileOptions.ActiveStatuses"/>): the other
    /// rows are read as <see cref="AgentRecord.AsInactive"/>, without <c>started_at</c>. Null: every row whole.
    /// </param>
    public async Task<SqliteSnapshot> ReadAsync(string databasePath, CancellationToken ct, IReadOnlySet<string>? activeStatuses = null)
    {
        var path = CheckFile(databasePath);
        ct.ThrowIfCancellationRequested();
        try
        {
            await using var connection = await OpenAsync(path, SqliteOpenMode.ReadOnly, ct);
            // BEGIN (deferred) takes no lock; the first SELECT pins one WAL snapshot that every later SELECT of this
            // transaction shares, so tasks and agents are of the same instant, and COMMIT lets it go at once.
            await using var transaction = connection.BeginTransaction(deferred: true);
            CheckSchema(connection, path);
            // The rows are read once, in order: no page is asked for twice, so SQLite's default cache of 2 MiB only
            // costs its fresh memory (as many reads of the file with 16 pages as with 2,000). Set once the schema is
            // read, when the pragma touches no file: a busy or broken database is met by the schema check first.
            Execute(connection, "PRAGMA cache_size = -256");
            var tasks = ReadTasks(connection, ct);
            // Asked of every row: a set made for lookups.
            var agents = ReadAgents(connection, activeStatuses is null ? null : ReconcileOptions.Frozen(activeStatuses), ct);
            await transaction.CommitAsync(ct);
            return new SqliteSnapshot(path, tasks, agents);
        }
        catch (SqliteException e)
        {
            throw new SqliteStateException(path, Problem(e, writing: false), e);
        }
    }

    private const string UpdateAgentSql = """
        UPDATE agents
           SET status = @to,
               last_update = @ts,
               completed_at = CASE WHEN @terminal THEN COALESCE(completed_at, @ts) ELSE completed_at END,
               progress = CASE WHEN @terminal AND @to = 'completed' THEN 100 ELSE progress END
         WHERE task_id = @task AND agent_id = @agent AND status = @from
        RETURNING progress
        """;

    private const string UpsertLatestSql = """
        INSERT INTO agent_progress_latest(task_id, agent_id, timestamp, status, progress, message)
        VALUES (@task, @agent, @ts, @to, @progress, @message)
        ON CONFLICT(task_id, agent_id) DO UPDATE SET
          timestamp = excluded.timestamp,
          status = excluded.status,
          progress = excluded.progress,
          message = excluded.message
        """;

    private const string TouchTaskSql = """
        UPDATE tasks
           SET status = CASE WHEN @active AND status = 'INITIALIZED' THEN 'ACTIVE' ELSE status END,
               updated_at = @ts
         WHERE task_id = @task
        """;

    /// <summary>
    /// Applies every transition whose agent is still in its <c>FromStatus</c>, in one <c>BEGIN IMMEDIATE</c>
    /// transaction; the others are returned as superseded. Waits at most <see cref="SqliteStoreOptions.BusyTimeout"/>
    /// for the write lock, then throws with nothing written.
    /// </summary>
    public async Task<SqliteApplyResult> ApplyAsync(string databasePath, IReadOnlyList<SqliteTransition> transitions, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        foreach (var transition in transitions)
        {
            Validate(transition);
        }

        var path = CheckFile(databasePath);
        ct.ThrowIfCancellationRequested();
        if (transitions.Count == 0)
        {
            return new SqliteApplyResult([], [], TimeSpan.Zero);
        }

        try
        {
            await using var connection = await OpenAsync(path, SqliteOpenMode.ReadWrite, ct);
            // As the orchestrator's own connections: WAL commits without fsync, so the lock is held for the
            // statements only, and a repair is exactly as durable as the orchestrator's writes around it.
            Execute(connection, "PRAGMA synchronous=NORMAL");
            CheckSchema(connection, path);

            // Prepared before the lock is taken, so that holding it costs only the steps.
            await using var update = Command(connection, UpdateAgentSql, "@to", "@ts", "@terminal", "@task", "@agent", "@from");
            await using var latest = Command(connection, UpsertLatestSql, "@task", "@agent", "@ts", "@to", "@progress", "@message");
            await using var touch = Command(connection, TouchTaskSql, "@active", "@ts", "@task");

            await BeginImmediateAsync(connection, path, ct);
            return ApplyLocked(connection, transitions, update, latest, touch);
        }
        catch (SqliteException e)
        {
            throw new SqliteStateException(path, Problem(e, writing: true), e);
        }
    }

    /// <summary>Inside the write lock: the compare-and-set of every transition, then the commit (or a rollback on any fault).</summary>
    private SqliteApplyResult ApplyLocked(SqliteConnection connection, IReadOnlyList<SqliteTransition> transitions, SqliteCommand update, SqliteCommand latest, SqliteCommand touch)
    {
        var held = Stopwatch.StartNew();
        var applied = ImmutableArray.CreateBuilder<SqliteTransition>();
        var superseded = ImmutableArray.CreateBuilder<SqliteTransition>();
        try
        {
            foreach (var t in transitions)
            {
                var progress = Update(update, t);
                if (progress is null)
                {
                    superseded.Add(t);
                    continue;
                }

                Run(latest, ("@task", t.TaskId), ("@agent", t.AgentId), ("@ts", t.Timestamp), ("@to", t.ToStatus),
                    ("@progress", progress.Value), ("@message", t.Message));
                Run(touch, ("@active", _options.ActiveStatuses.Contains(t.ToStatus)), ("@ts", t.Timestamp), ("@task", t.TaskId));
                applied.Add(t);
            }

            Execute(connection, "COMMIT");
        }
        catch
        {
            TryRollback(connection);
            throw;
        }

        held.Stop();
        return new SqliteApplyResult(applied.ToImmutable(), superseded.ToImmutable(), held.Elapsed);
    }

    // The new progress of the row when the compare-and-set matched it, null when the agent has left FromStatus.
    private int? Update(SqliteCommand update, SqliteTransition t)
    {
        Bind(update, ("@to", t.ToStatus), ("@ts", t.Timestamp), ("@terminal", _options.TerminalStatuses.Contains(t.ToStatus)),
            ("@task", t.TaskId), ("@agent", t.AgentId), ("@from", t.FromStatus));
        using var reader = update.ExecuteReader();
        // The orchestrator writes "row progress or 0" to agent_progress_latest when the status is not completed.
        return reader.Read() ? Int(reader, 0) ?? 0 : null;
    }

    private async Task<SqliteConnection> OpenAsync(string path, SqliteOpenMode mode, CancellationToken ct)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            // Never ReadWriteCreate: a missing file stays missing.
            Mode = mode,
            // No pooling: a pooled connection would keep the orchestrator's file, its -wal and -shm open between
            // passes (pinning an inode the orchestrator may replace, and keeping the WAL from being removed when the
            // orchestrator's last connection closes). Opening costs well under a millisecond per pass.
            Pooling = false,
            // Microsoft.Data.Sqlite's own retry on SQLITE_BUSY (150 ms sleeps, whole seconds) only backs up
            // SQLite's busy handler below, which does the real waiting.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds)),
            ForeignKeys = mode == SqliteOpenMode.ReadWrite ? true : null,
        }.ToString());
        try
        {
            await connection.OpenAsync(ct);
            Check(connection, raw.sqlite3_busy_timeout(connection.Handle, Milliseconds(_options.BusyTimeout)));
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // The write lock, waited for in slices so that cancellation is seen; raw because Microsoft.Data.Sqlite's
    // BeginTransaction would retry SQLITE_BUSY on its own, in whole seconds.
    private async Task BeginImmediateAsync(SqliteConnection connection, string path, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var remaining = _options.BusyTimeout - waited.Elapsed;
            Check(connection, raw.sqlite3_busy_timeout(connection.Handle, Milliseconds(remaining < BusySlice ? remaining : BusySlice)));
            var rc = raw.sqlite3_exec(connection.Handle, "BEGIN IMMEDIATE");
            if (rc == raw.SQLITE_OK)
            {
                return;
            }

            if ((rc & 0xFF) is not (Busy or Locked))
            {
                Check(connection, rc);
            }

            if (waited.Elapsed >= _options.BusyTimeout)
            {
                throw new SqliteStateException(path, LockedProblem(writing: true));
            }

            // Lets another task run on this thread between slices; the slices themselves block in SQLite.
            await Task.Yield();
        }
    }

    private static void Execute(SqliteConnection connection, string sql) =>
        Check(connection, raw.sqlite3_exec(connection.Handle, sql));

    private static void TryRollback(SqliteConnection connection)
    {
        // Fails harmlessly when SQLite has already rolled back (some errors end the transaction themselves).
        _ = raw.sqlite3_exec(connection.Handle, "ROLLBACK");
    }

    private static void Check(SqliteConnection connection, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(connection.Handle).utf8_to_string(), rc & 0xFF, rc);
        }
    }

    private static int Milliseconds(TimeSpan span) => (int)Math.Clamp(span.TotalMilliseconds, 0, int.MaxValue);

    private string CheckFile(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        // Absolute, so that Microsoft.Data.Sqlite never reads a relative name as a URI or resolves it elsewhere.
        var path = Path.GetFullPath(databasePath);
        FileInfo file;
        try
        {
            file = new FileInfo(path);
            if (Directory.Exists(path))
            {
                throw new SqliteStateException(path, "is a directory, not a database file");
            }

            if (!file.Exists)
            {
                throw new SqliteStateException(path, "no such file (registryctl never creates the state database)");
            }

            if (file.Length == 0)
            {
                throw new SqliteStateException(path, "empty file (0 bytes): not an orchestrator state database");
            }
        }
        catch (Exception e) when (e is IOException and not SqliteStateException or UnauthorizedAccessException)
        {
            throw new SqliteStateException(path, $"cannot inspect the file: {e.Message}", e);
        }

        if (_options.MaxFileBytes is { } max && file.Length > max)
        {
            throw new SqliteStateException(path, $"{file.Length} bytes, more than the limit of {max} bytes; not opened");
        }

        return path;
    }

    private static readonly ImmutableDictionary<string, ImmutableArray<string>> RequiredColumns =
        new Dictionary<string, ImmutableArray<string>>
        {
            ["agents"] = ["agent_id", "task_id", "type", "tmux_session", "status", "started_at", "completed_at", "last_update", "progress", "claude_pid", "cursor_pid"],
            ["tasks"] = ["task_id", "status", "updated_at"],
            ["task_config"] = ["task_id", "max_concurrent"],
            ["agent_progress_latest"] = ["task_id", "agent_id", "timestamp", "status", "progress", "message"],
        }.ToImmutableDictionary(StringComparer.Ordinal);

    // The orchestrator has no schema version: it re-runs CREATE TABLE IF NOT EXISTS and adds missing columns on every
    // connection. So: user_version must be one we know (it leaves it 0), and every column we read or write must exist.
    private void CheckSchema(SqliteConnection connection, string path)
    {
        using (var version = connection.CreateCommand())
        {
            version.CommandText = "PRAGMA user_version";
            var userVersion = Convert.ToInt64(version.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (!_options.KnownUserVersions.Contains(userVersion))
            {
                throw new SqliteStateException(path,
                    $"unknown schema version (PRAGMA user_version = {userVersion}; the orchestrator's 2026 schema has {string.Join(" or ", _options.KnownUserVersions)}); not read, nothing written");
            }
        }

        var present = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        using (var columns = connection.CreateCommand())
        {
            columns.CommandText = """
                SELECT m.name, c.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c
                 WHERE m.type = 'table' AND m.name IN ('agents', 'tasks', 'task_config', 'agent_progress_latest')
                """;
            using var reader = columns.ExecuteReader();
            while (reader.Read())
            {
                var table = reader.GetString(0);
                if (!present.TryGetValue(table, out var set))
                {
                    present[table] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                }

                set.Add(reader.GetString(1));
            }
        }

        var problems = new List<string>();
        foreach (var (table, required) in RequiredColumns.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!present.TryGetValue(table, out var have))
            {
                problems.Add($"missing table {table}");
                continue;
            }

            var missing = required.Where(c => !have.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                problems.Add($"table {table} lacks column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}");
            }
        }

        if (problems.Count > 0)
        {
            throw new SqliteStateException(path, $"not the orchestrator's 2026 schema: {string.Join("; ", problems)}");
        }
    }

    private ImmutableArray<SqliteTaskRow> ReadTasks(SqliteConnection connection, CancellationToken ct)
    {
        // max_concurrent defaults to 20 when the task has no task_config row, as get_task_config does.
        using var rows = new RowReader(connection, """
            SELECT t.task_id, t.status, c.max_concurrent
              FROM tasks AS t LEFT JOIN task_config AS c ON c.task_id = t.task_id
             ORDER BY t.task_id
            """, 3);
        var tasks = ImmutableArray.CreateBuilder<SqliteTaskRow>();
        while (rows.Step(_options.BusyTimeout, ct))
        {
            if (rows.Text(0) is { } taskId)
            {
                tasks.Add(new SqliteTaskRow(taskId, rows.Text(1), rows.Int(2) ?? 20));
            }
        }

        return tasks.ToImmutable();
    }

    /// <summary>
    /// What the judge reads of every agent. Not <c>completed_at</c> nor <c>last_update</c>: only a JSON global
    /// registry's mirror copies them, and a 2026 workspace's judgement has none.
    /// </summary>
    private ImmutableArray<AgentRecord> ReadAgents(SqliteConnection connection, FrozenSet<string>? activeStatuses, CancellationToken ct)
    {
        using var rows = new RowReader(connection, """
            SELECT agent_id, task_id, tmux_session, status, started_at, claude_pid, cursor_pid
              FROM agents
             ORDER BY task_id, agent_id
            """, 7);
        var agents = ImmutableArray.CreateBuilder<AgentRecord>();
        string? task = null;
        var index = 0;
        while (rows.Step(_options.BusyTimeout, ct))
        {
            // A row without a key cannot be repaired by key; the orchestrator sets both at every insert.
            if (rows.Text(0) is { } agentId && rows.Text(1) is { } taskId)
            {
                // The rows come by task: an agent's place among its task's agents counts from the task's first row.
                index = string.Equals(taskId, task, StringComparison.Ordinal) ? index + 1 : 0;
                task = taskId;
                var status = rows.Text(3);
                var whole = activeStatuses is null || (status is not null && activeStatuses.Contains(status));
                agents.Add(new AgentRecord(agentId, index, status, rows.Text(2), whole ? rows.Text(4) : null, taskId,
                    ClaudePid: rows.Int(5), CursorPid: rows.Int(6)));
            }
        }

        return agents.ToImmutable();
    }

    /// <summary>
    /// One SELECT stepped with SQLite's own calls, for the reads of every row of a workspace (20,000 agents are
    /// usual): a text cell is decoded only when its bytes differ from the same column of the row before, so a task's
    /// rows share one string for its id, and runs of the same status, type or timestamp share theirs. Cells hold any
    /// type whatever their column was declared as: read what is there without throwing on a row.
    /// </summary>
    private sealed class RowReader : IDisposable
    {
        // How often a long read looks at its cancellation token, in rows.
        private const int CancellationStride = 1024;

        private readonly SqliteConnection _connection;
        private readonly sqlite3_stmt _statement;
        private readonly byte[]?[] _lastBytes;
        private readonly int[] _lastLength;
        private readonly string?[] _lastText;
        private long _rows;

        public RowReader(SqliteConnection connection, string sql, int columns)
        {
            _connection = connection;
            Check(connection, raw.sqlite3_prepare_v2(connection.Handle, sql, out _statement));
            _lastBytes = new byte[columns][];
            _lastLength = new int[columns];
            _lastText = new string[columns];
        }

        /// <summary>
        /// The next row, or false at the end. The first step pins the read transaction's snapshot: a writer that holds
        /// the database then (a checkpoint, a recovery) is waited for up to <paramref name="busyTimeout"/>, as
        /// Microsoft.Data.Sqlite's own reader would, beyond the busy handler's own wait.
        /// </summary>
        public bool Step(TimeSpan busyTimeout, CancellationToken ct)
        {
            if (_rows++ % CancellationStride == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            // Only the first step waits (below), so only it reads the clock: an object per row was a tenth of what a
            // 2026 workspace's pass allocated.
            var started = _rows == 1 ? Stopwatch.GetTimestamp() : 0;
            while (true)
            {
                var rc = raw.sqlite3_step(_statement);
                switch (rc)
                {
                    case raw.SQLITE_ROW:
                        return true;
                    case raw.SQLITE_DONE:
                        return false;
                    // Only before the first row: a reset starts the query over, and rows already read would come twice.
                    case var busy when (busy & 0xFF) is Busy or Locked && _rows == 1 && Stopwatch.GetElapsedTime(started) < busyTimeout:
                        ct.ThrowIfCancellationRequested();
                        _ = raw.sqlite3_reset(_statement);
                        continue;
                    default:
                        Check(_connection, rc);
                        return false;
                }
            }
        }

        public string? Text(int column)
        {
            switch (raw.sqlite3_column_type(_statement, column))
            {
                case raw.SQLITE_NULL:
                    return null;
                case raw.SQLITE_INTEGER:
                    return raw.sqlite3_column_int64(_statement, column).ToString(CultureInfo.InvariantCulture);
                case raw.SQLITE_FLOAT:
                    return raw.sqlite3_column_double(_statement, column).ToString(null, CultureInfo.InvariantCulture);
                case raw.SQLITE_TEXT:
                    // Converts the cell to UTF-8 in place when the database keeps UTF-16, so its bytes below are UTF-8.
                    _ = raw.sqlite3_column_text(_statement, column);
                    break;
            }

            // TEXT, and a BLOB read as UTF-8.
            var bytes = raw.sqlite3_column_blob(_statement, column);
            var last = _lastBytes[column];
            if (last is not null && _lastText[column] is { } text && bytes.SequenceEqual(last.AsSpan(0, _lastLength[column])))
            {
                return text;
            }

            if (last is null || last.Length < bytes.Length)
            {
                _lastBytes[column] = last = new byte[Math.Max(bytes.Length, 64)];
            }

            bytes.CopyTo(last);
            _lastLength[column] = bytes.Length;
            return _lastText[column] = System.Text.Encoding.UTF8.GetString(bytes);
        }

        public int? Int(int column) => raw.sqlite3_column_type(_statement, column) switch
        {
            raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_statement, column) is var l and >= int.MinValue and <= int.MaxValue ? (int)l : null,
            raw.SQLITE_FLOAT => raw.sqlite3_column_double(_statement, column) is var d && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : null,
            raw.SQLITE_TEXT => int.TryParse(Text(column), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null,
            _ => null,
        };

        public void Dispose() => _statement.Dispose();
    }

    private static int? Int(SqliteDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        long l and >= int.MinValue and <= int.MaxValue => (int)l,
        double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
        _ => null,
    };

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name, Value = DBNull.Value });
        }

        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, params (string Name, object Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            command.Parameters[name].Value = value;
        }
    }

    private static void Run(SqliteCommand command, params (string Name, object Value)[] values)
    {
        Bind(command, values);
        command.ExecuteNonQuery();
    }

    private static void Validate(SqliteTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        ArgumentException.ThrowIfNullOrEmpty(transition.TaskId, nameof(transition));
        ArgumentException.ThrowIfNullOrEmpty(transition.AgentId, nameof(transition));
        ArgumentException.ThrowIfNullOrEmpty(transition.FromStatus, nameof(transition));
        ArgumentException.ThrowIfNullOrEmpty(transition.ToStatus, nameof(transition));
        ArgumentNullException.ThrowIfNull(transition.Message, nameof(transition));
        if (transition.FromStatus == transition.ToStatus)
        {
            throw new ArgumentException($"{transition.AgentId}: from and to are both {transition.ToStatus}", nameof(transition));
        }

        // The orchestrator compares timestamps with datetime.fromisoformat against naive datetime.now(): an offset
        // makes that comparison raise, so only the naive form isoformat() writes is accepted.
        if (!NaiveIsoTimestamp().IsMatch(transition.Timestamp ?? string.Empty))
        {
            throw new ArgumentException(
                $"{transition.AgentId}: timestamp '{transition.Timestamp}' is not naive local ISO (YYYY-MM-DDTHH:MM:SS[.ffffff], no offset)",
                nameof(transition));
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$", RegexOptions.CultureInvariant)]
    private static partial Regex NaiveIsoTimestamp();

    private string LockedProblem(bool writing) =>
        $"locked by another writer for more than {_options.BusyTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s ({SqliteStoreOptions.BusyTimeoutKey})"
        + (writing ? "; nothing written" : "; not read");

    private string Problem(SqliteException e, bool writing)
    {
        var nothing = writing ? "; nothing written" : string.Empty;
        // Microsoft.Data.Sqlite words its messages "SQLite Error 26: 'file is not a database'."; SQLite's own words suffice.
        var sqlite = MicrosoftDataSqliteMessage().Match(e.Message) is { Success: true } m ? m.Groups["text"].Value : e.Message;
        return (e.SqliteErrorCode & 0xFF) switch
        {
            NotADb => $"not a SQLite database ({sqlite})",
            Corrupt => $"damaged or truncated database ({sqlite}){nothing}",
            Busy or Locked => LockedProblem(writing),
            ReadOnly => $"read-only: the state database cannot be written ({sqlite}){nothing}",
            CantOpen => $"cannot open ({sqlite})",
            IoErr => $"I/O error ({sqlite}){nothing}",
            Constraint => $"a constraint refused the repair ({sqlite}){nothing}",
            _ => $"SQLite error {e.SqliteExtendedErrorCode} ({sqlite}){nothing}",
        };
    }

    [GeneratedRegex(@"^SQLite Error \d+: '(?<text>.*)'\.$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex MicrosoftDataSqliteMessage();
}
