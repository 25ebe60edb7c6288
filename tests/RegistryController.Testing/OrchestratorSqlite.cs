using System.Globalization;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.Json.Nodes;
using CliWrap;
using RegistryController.Judgement;
using RegistryController.Store.Sqlite;

namespace RegistryController.Testing;

/// <summary>
/// The 2026 orchestrator's SQLite state, from the outside: the captured fixture database, and python3 processes that
/// write it with the orchestrator's patterns (its connection settings, <c>update_agent_status</c>'s
/// <c>BEGIN IMMEDIATE</c> transaction, <c>record_progress</c>'s autocommit statements, a writer holding the lock).
/// Every python script of the SQLite tests lives here.
/// </summary>
public static class OrchestratorSqlite
{
    public const string TaskId = "TASK-20261130-092433-68dda78f";

    /// <summary>Opens a connection as every orchestrator call does (defines <c>connect(path)</c>).</summary>
    private const string Prelude = """
        import json, sqlite3, sys, time
        from datetime import datetime

        def connect(path):
            conn = sqlite3.connect(path, timeout=10, isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
                conn.execute("PRAGMA " + pragma)
            return conn

        TERMINAL = ("completed", "failed", "error", "terminated", "killed", "phase_completed")

        def set_status(conn, task, agent, new):
            # update_agent_status: one BEGIN IMMEDIATE transaction, unconditional on the old status.
            now = datetime.now().isoformat()
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT status, progress FROM agents WHERE task_id=? AND agent_id=?", (task, agent)).fetchone()
            old, progress = row
            if new in TERMINAL:
                conn.execute("UPDATE agents SET status=?, completed_at=COALESCE(completed_at, ?), last_update=?, "
                             "progress=CASE WHEN ?='completed' THEN 100 ELSE progress END WHERE task_id=? AND agent_id=?",
                             (new, now, now, new, task, agent))
            else:
                conn.execute("UPDATE agents SET status=?, last_update=? WHERE task_id=? AND agent_id=?", (new, now, task, agent))
            conn.execute("INSERT INTO agent_progress_latest(task_id, agent_id, timestamp, status, progress, message) "
                         "VALUES(?,?,?,?,?,?) ON CONFLICT(task_id, agent_id) DO UPDATE SET timestamp=excluded.timestamp, "
                         "status=excluded.status, progress=excluded.progress, message=excluded.message",
                         (task, agent, now, new, 100 if new == "completed" else (progress or 0), "Status changed from %s to %s" % (old, new)))
            conn.execute("UPDATE tasks SET updated_at=? WHERE task_id=?", (now, task))
            conn.execute("COMMIT")
        """;

    /// <summary>The captured database of orchestrator-2026 (read-only in the output; copy it before use).</summary>
    public static string FixtureDatabase => Path.Combine(AppContext.BaseDirectory, "Fixtures", "orchestrator-2026", "registry", "state.sqlite3");

    /// <summary>What really happened to each fixture agent (the fixture's expected.json).</summary>
    public static JsonNode Expected => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "orchestrator-2026", "expected.json")))!;

    /// <summary>A private copy of the fixture database as <c>registry/state.sqlite3</c> under <paramref name="root"/>.</summary>
    public static string CopyFixture(string root)
    {
        var path = Path.Combine(root, "registry", "state.sqlite3");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(FixtureDatabase, path);
        return path;
    }

    /// <summary>
    /// The task snapshots the judgement gets from a copy of the fixture under <paramref name="root"/> after
    /// <paramref name="statements"/> (<see cref="ExecuteAsync"/>), read by the store with its default settings.
    /// </summary>
    internal static async Task<WorkspaceSnapshot> SnapshotAfterAsync(string root, params string[] statements)
    {
        var database = CopyFixture(root);
        await ExecuteAsync(database, statements);
        var rows = await new SqliteStateStore(new SqliteStoreOptions()).ReadAsync(database, CancellationToken.None);
        return SqliteWorkspace.Snapshot(root, rows, new ReconcileOptions()).Workspace;
    }

    /// <summary>Changes a status as the orchestrator's <c>update_agent_status</c> does (kill_real_agent, the completion notifier).</summary>
    public static Task SetStatusAsync(string database, string agentId, string newStatus) => Python.RunAsync(
        Prelude + "\nconn = connect(sys.argv[1]); set_status(conn, sys.argv[2], sys.argv[3], sys.argv[4])",
        database, TaskId, agentId, newStatus);

    /// <summary>An agent's report as <c>record_progress</c> writes it: separate autocommit statements, status unconditional.</summary>
    public static Task RecordProgressAsync(string database, string agentId, string status, int progress, string message) => Python.RunAsync(
        Prelude + """

            path, task, agent, status, progress, message = sys.argv[1:7]
            now = datetime.now().isoformat()
            conn = connect(path)
            conn.execute("INSERT INTO agent_progress_latest(task_id, agent_id, timestamp, status, progress, message) VALUES(?,?,?,?,?,?) "
                         "ON CONFLICT(task_id, agent_id) DO UPDATE SET timestamp=excluded.timestamp, status=excluded.status, "
                         "progress=excluded.progress, message=excluded.message", (task, agent, now, status, int(progress), message))
            conn.execute("UPDATE agents SET status=?, progress=?, last_update=?, completed_at=COALESCE(completed_at, ?) WHERE agent_id=? AND task_id=?",
                         (status, int(progress), now, now if status == "completed" else None, agent, task))
            conn.execute("UPDATE tasks SET updated_at=? WHERE task_id=?", (now, task))
            """,
        database, TaskId, agentId, status, progress.ToString(CultureInfo.InvariantCulture), message);

    /// <summary>Runs statements in one autocommit python3 connection: how tests damage or bend a copy of the fixture.</summary>
    public static Task ExecuteAsync(string database, params string[] statements) => Python.RunAsync(
        "import json, sqlite3, sys\nconn = sqlite3.connect(sys.argv[1], isolation_level=None)\nfor sql in json.loads(sys.argv[2]):\n    conn.execute(sql)",
        database, JsonSerializer.Serialize(statements));

    /// <summary>
    /// <paramref name="transactions"/> × one BEGIN IMMEDIATE transaction that swaps which of two agents is running
    /// (the other blocked) and names the running one in the task's status: at every commit exactly one of them runs,
    /// and the task says which. <paramref name="running"/> starts running, <paramref name="blocked"/> blocked.
    /// </summary>
    public static Task SwapRunningAsync(string database, string running, string blocked, int transactions) => Python.RunAsync(
        Prelude + """

            path, a, b, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
            conn = connect(path)
            conn.execute("UPDATE agents SET status = CASE agent_id WHEN ? THEN 'running' ELSE 'blocked' END WHERE agent_id IN (?, ?)", (a, a, b))
            conn.execute("UPDATE tasks SET status = ?", (a,))
            for i in range(n):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("UPDATE agents SET status = CASE status WHEN 'running' THEN 'blocked' ELSE 'running' END WHERE agent_id IN (?, ?)", (a, b))
                conn.execute("UPDATE tasks SET status = (SELECT agent_id FROM agents WHERE status = 'running' AND agent_id IN (?, ?))", (a, b))
                conn.execute("COMMIT")
            """,
        database, running, blocked, transactions.ToString(CultureInfo.InvariantCulture));

    /// <summary>Rows of a query as JSON objects, read by python3's own sqlite3 (not by the code under test).</summary>
    public static async Task<JsonArray> QueryAsync(string database, string sql, params string[] parameters)
    {
        var json = await Python.RunAsync(
            Prelude + """

                conn = sqlite3.connect(sys.argv[1], timeout=10)
                conn.row_factory = sqlite3.Row
                print(json.dumps([dict(r) for r in conn.execute(sys.argv[2], sys.argv[3:]).fetchall()]))
                """,
            [database, sql, .. parameters]);
        return JsonNode.Parse(json)!.AsArray();
    }

    /// <summary><c>PRAGMA integrity_check</c>'s answer ("ok" for a sound file).</summary>
    public static async Task<string> IntegrityCheckAsync(string database) =>
        (await Python.RunAsync("import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", database)).Trim();

    /// <summary>
    /// The orchestrator's writer under load: <paramref name="transactions"/> × (<c>BEGIN IMMEDIATE</c>, a status
    /// change of <paramref name="agentId"/> between working and blocked, <c>COMMIT</c>), each BEGIN's wait timed,
    /// <paramref name="pause"/> apart (the orchestrator's writers come one tool call at a time, not back to back).
    /// Returns the waits in milliseconds.
    /// </summary>
    public static async Task<double[]> TimedWriterAsync(string database, string agentId, int transactions, TimeSpan pause)
    {
        var json = await Python.RunAsync(
            Prelude + """

                path, task, agent, n, pause = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
                conn = connect(path)
                waits = []
                for i in range(n):
                    now = datetime.now().isoformat()
                    start = time.perf_counter()
                    conn.execute("BEGIN IMMEDIATE")
                    waits.append((time.perf_counter() - start) * 1000.0)
                    conn.execute("UPDATE agents SET status=?, last_update=? WHERE task_id=? AND agent_id=?",
                                 ("blocked" if i % 2 == 0 else "working", now, task, agent))
                    conn.execute("COMMIT")
                    time.sleep(pause)
                print(json.dumps(waits))
                """,
            database, TaskId, agentId, transactions.ToString(CultureInfo.InvariantCulture), Seconds(pause));
        return JsonSerializer.Deserialize<double[]>(json)!;
    }

    /// <summary>
    /// Starts a python3 process that opens the database as the orchestrator does, runs <paramref name="setup"/>
    /// (pragmas) outside any transaction, takes <c>BEGIN IMMEDIATE</c>, runs <paramref name="statements"/>, says
    /// "locked", holds the write lock for <paramref name="hold"/>, then <paramref name="end"/>s (COMMIT or ROLLBACK),
    /// says "released" and keeps its connection open for <paramref name="linger"/> (so that no checkpoint on close
    /// folds the WAL back into the file).
    /// </summary>
    public static async Task<SqliteWriterProcess> HoldWriteLockAsync(
        string database, TimeSpan hold, string end = "ROLLBACK", IEnumerable<string>? setup = null, IEnumerable<string>? statements = null, TimeSpan linger = default)
    {
        var process = new SqliteWriterProcess();
        process.Start(Cli.Wrap("python3").WithArguments([
            "-c", Prelude + """

                path, hold, end, setup, statements, linger = sys.argv[1], float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5]), float(sys.argv[6])
                conn = connect(path)
                for sql in setup:
                    conn.execute(sql)
                conn.execute("BEGIN IMMEDIATE")
                for sql in statements:
                    conn.execute(sql)
                print("locked", flush=True)
                time.sleep(hold)
                conn.execute(end)
                print("released", flush=True)
                time.sleep(linger)
                """,
            database,
            Seconds(hold),
            end,
            JsonSerializer.Serialize((setup ?? []).ToArray()),
            JsonSerializer.Serialize((statements ?? []).ToArray()),
            Seconds(linger),
        ]));
        await process.WaitForAsync("locked");
        return process;
    }

    /// <summary>
    /// Rebuilds <c>agents</c> without its primary key on <c>agent_id</c>, rows kept: not the orchestrator's schema (it
    /// keys agents by id alone), but what a file written by another tool may hold, where two tasks can each have an
    /// agent of the same id (as <c>agent_progress_latest</c>, keyed by task and agent, always could).
    /// </summary>
    public static Task DropAgentKeyAsync(string database) => Python.RunAsync(
        Prelude + """

            conn = connect(sys.argv[1])
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("PRAGMA legacy_alter_table=ON")
            conn.execute("BEGIN IMMEDIATE")
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name='agents'").fetchone()[0]
            assert "agent_id TEXT PRIMARY KEY" in sql, sql
            conn.execute("ALTER TABLE agents RENAME TO agents_keyed")
            conn.execute(sql.replace("agent_id TEXT PRIMARY KEY", "agent_id TEXT NOT NULL"))
            conn.execute("INSERT INTO agents SELECT * FROM agents_keyed")
            conn.execute("DROP TABLE agents_keyed")
            conn.execute("CREATE INDEX IF NOT EXISTS idx_agents_task ON agents(task_id)")
            conn.execute("CREATE INDEX IF NOT EXISTS idx_agents_status ON agents(status)")
            conn.execute("COMMIT")
            """,
        database);

    /// <summary>
    /// Replaces every task and agent of a copy of the fixture database (its schema, never altered) with
    /// <paramref name="tasks"/> (task ids) and <paramref name="agents"/> (objects with task_id, agent_id, status,
    /// started_at, progress, last_update and an optional latest {timestamp, status, progress, message}), as the
    /// orchestrator's own inserts would leave them. Ends with the WAL checkpointed into the file.
    /// </summary>
    public static Task FillAsync(string database, JsonArray tasks, JsonArray agents) => Python.RunAsync(
        Prelude + """

            path, tasks, agents = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
            conn = connect(path)
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("BEGIN IMMEDIATE")
            for table in ("agent_progress_latest", "agents", "task_config", "tasks"):
                conn.execute("DELETE FROM " + table)
            now = datetime.now().isoformat()
            for task in tasks:
                conn.execute("INSERT INTO tasks(task_id, workspace, status, created_at, updated_at) VALUES (?,?,?,?,?)", (task, task, "ACTIVE", now, now))
            for a in agents:
                conn.execute("INSERT INTO agents(agent_id, task_id, type, tmux_session, started_at, status, progress, last_update) VALUES (?,?,?,?,?,?,?,?)",
                             (a["agent_id"], a["task_id"], a["agent_id"].split("-")[0], "agent_" + a["agent_id"], a["started_at"], a["status"], a["progress"], a["last_update"]))
                if a.get("latest"):
                    l = a["latest"]
                    conn.execute("INSERT INTO agent_progress_latest(task_id, agent_id, timestamp, status, progress, message) VALUES (?,?,?,?,?,?)",
                                 (a["task_id"], a["agent_id"], l["timestamp"], l["status"], l["progress"], l["message"]))
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            """,
        database, tasks.ToJsonString(), agents.ToJsonString());

    /// <summary>
    /// Puts <paramref name="agents"/> (as given to <see cref="FillAsync"/>) back as they were, in one
    /// <c>BEGIN IMMEDIATE</c> transaction (a concurrent writer's rows untouched): status, progress, last_update,
    /// completed_at NULL, and their <c>agent_progress_latest</c> rows.
    /// </summary>
    public static Task ResetAgentsAsync(string database, JsonArray agents) => Python.RunAsync(
        Prelude + """

            path, agents = sys.argv[1], json.loads(sys.argv[2])
            conn = connect(path)
            conn.execute("BEGIN IMMEDIATE")
            for a in agents:
                conn.execute("UPDATE agents SET status=?, progress=?, last_update=?, completed_at=NULL WHERE task_id=? AND agent_id=?",
                             (a["status"], a["progress"], a["last_update"], a["task_id"], a["agent_id"]))
                l = a["latest"]
                conn.execute("UPDATE agent_progress_latest SET timestamp=?, status=?, progress=?, message=? WHERE task_id=? AND agent_id=?",
                             (l["timestamp"], l["status"], l["progress"], l["message"], a["task_id"], a["agent_id"]))
            conn.execute("COMMIT")
            """,
        database, agents.ToJsonString());

    /// <summary>
    /// What a reader that opens the file afresh sees, read-only by python3's sqlite3: <c>PRAGMA integrity_check</c>,
    /// the journal mode, and every agent row with its <c>agent_progress_latest</c> row (null when none), by agent id.
    /// </summary>
    public static async Task<JsonObject> InspectAsync(string database) => JsonNode.Parse(await Python.RunAsync(
        """
        import json, sqlite3, sys
        conn = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=10)
        conn.row_factory = sqlite3.Row
        out = {"integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
               "journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0], "agents": {}}
        rows = conn.execute("SELECT a.agent_id, a.task_id, a.status, a.progress, a.last_update, a.completed_at, "
                            "l.timestamp AS l_timestamp, l.status AS l_status, l.progress AS l_progress, l.message AS l_message "
                            "FROM agents AS a LEFT JOIN agent_progress_latest AS l ON l.task_id = a.task_id AND l.agent_id = a.agent_id").fetchall()
        for r in rows:
            out["agents"][r["agent_id"]] = dict(r)
        print(json.dumps(out))
        """,
        database))!.AsObject();

    /// <summary>
    /// The orchestrator writing while a test runs: python3 that, until <paramref name="stopFile"/> exists, changes
    /// each of <paramref name="agents"/> (task id, agent id) in turn between working and blocked, alternately as
    /// <c>record_progress</c> (autocommit statements) and as <c>update_agent_status</c> (<c>BEGIN IMMEDIATE</c>),
    /// with a sequence number in <c>agent_progress_latest.message</c> ("seq N: …"), <paramref name="pause"/> apart.
    /// It says "ready", then "&lt;agent&gt; N" after each commit, and "error &lt;agent&gt; N: …" for a write that failed.
    /// </summary>
    public static PythonProcess StartSequenceWriter(string database, IEnumerable<(string TaskId, string AgentId)> agents, string stopFile, TimeSpan pause) =>
        OrchestratorScriptsStart(
            Prelude + """

                import os
                path, agents, stop, pause = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], float(sys.argv[4])
                conn = connect(path)
                print("ready", flush=True)
                seq = 0
                while not os.path.exists(stop):
                    for task, agent in agents:
                        seq += 1
                        status = "blocked" if seq % 4 < 2 else "working"
                        now = datetime.now().isoformat()
                        message = "seq %d: %s" % (seq, status)
                        try:
                            if seq % 2 == 0:
                                conn.execute("INSERT INTO agent_progress_latest(task_id, agent_id, timestamp, status, progress, message) VALUES(?,?,?,?,?,?) "
                                             "ON CONFLICT(task_id, agent_id) DO UPDATE SET timestamp=excluded.timestamp, status=excluded.status, "
                                             "progress=excluded.progress, message=excluded.message", (task, agent, now, status, seq % 100, message))
                                conn.execute("UPDATE agents SET status=?, progress=?, last_update=? WHERE agent_id=? AND task_id=?", (status, seq % 100, now, agent, task))
                            else:
                                conn.execute("BEGIN IMMEDIATE")
                                conn.execute("UPDATE agents SET status=?, last_update=? WHERE task_id=? AND agent_id=?", (status, now, task, agent))
                                conn.execute("INSERT INTO agent_progress_latest(task_id, agent_id, timestamp, status, progress, message) VALUES(?,?,?,?,?,?) "
                                             "ON CONFLICT(task_id, agent_id) DO UPDATE SET timestamp=excluded.timestamp, status=excluded.status, "
                                             "progress=excluded.progress, message=excluded.message", (task, agent, now, status, seq % 100, message))
                                conn.execute("COMMIT")
                            print("%s %d" % (agent, seq), flush=True)
                        except Exception as e:
                            if conn.in_transaction:
                                conn.execute("ROLLBACK")
                            print("error %s %d: %s" % (agent, seq, e), flush=True)
                        time.sleep(pause)
                """,
            database, JsonSerializer.Serialize(agents.Select(a => new[] { a.TaskId, a.AgentId }).ToArray()), stopFile, Seconds(pause));

    private static PythonProcess OrchestratorScriptsStart(string script, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new PythonProcess(System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("python3 did not start"));
    }

    /// <summary>
    /// Makes a file unwritable even for root (<c>chattr +i</c>; <c>chmod 444</c> for anyone else); disposing undoes it.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static async Task<IAsyncDisposable> MakeReadOnlyAsync(string path)
    {
        if (Environment.UserName == "root")
        {
            await Cli.Wrap("chattr").WithArguments(["+i", path]).ExecuteAsync();
            return new Undo(async () => await Cli.Wrap("chattr").WithArguments(["-i", path]).ExecuteAsync());
        }

        var mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return new Undo(() =>
        {
            File.SetUnixFileMode(path, mode);
            return Task.CompletedTask;
        });
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString(CultureInfo.InvariantCulture);

    private sealed class Undo(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }
}
