using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mono.Unix.Native;
using RegistryController.Generation;
using RegistryController.Registry;
using RegistryController.Testing;

namespace RegistryController.Tools.Torture;

/// <summary>How many times the SQLite crash torture kills a repair, and on what.</summary>
public sealed record SqliteCrashOptions
{
    public int Kills { get; init; } = 40;

    public int Tasks { get; init; } = 20;

    /// <summary>Zombies per task: every repair ends all of them in one transaction, then appends as many lines.</summary>
    public int ZombiesPerTask { get; init; } = 20;

    /// <summary>A python3 orchestrator writer changing one live agent per task throughout.</summary>
    public bool Writer { get; init; } = true;

    public int Seed { get; init; } = 1;

    /// <summary>registryctl.dll, run with <c>dotnet</c> (by default the one copied beside this tool).</summary>
    public string Registryctl { get; init; } = Path.Combine(AppContext.BaseDirectory, "registryctl.dll");
}

/// <summary>
/// What the SQLite crash torture saw. Each kill is counted where it landed: before the write transaction, inside it
/// (registryctl held the WAL write lock when it was stopped), between the commit and the first progress line, amid
/// the lines, after the last line; or the repair had finished. <see cref="LinesCompletedByNextPass"/> counts the
/// terminal lines the following unkilled pass appended for rows an earlier, killed repair had committed.
/// </summary>
public sealed record SqliteCrashReport(
    int Kills,
    int Zombies,
    int FinishedBeforeKill,
    int BeforeTransaction,
    int InsideTransaction,
    int BetweenCommitAndLines,
    int AmidLines,
    int AfterAllLines,
    int LinesCompletedByNextPass,
    long WriterCommits,
    int WriterErrors,
    TimeSpan Duration,
    TimeSpan RepairDuration,
    IReadOnlyList<string> Violations,
    string? KeptDirectory)
{
    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"kills: {Kills} SIGKILLs of a repair of {Zombies} zombies in {Duration.TotalSeconds:0.0} s (an unkilled repair takes {RepairDuration.TotalMilliseconds:0} ms); {FinishedBeforeKill} repairs finished before their kill");
        text.AppendLine(CultureInfo.InvariantCulture, $"  landed before the transaction: {BeforeTransaction}; inside it (write lock held): {InsideTransaction}; between the commit and the first progress line: {BetweenCommitAndLines}; amid the lines: {AmidLines}; after the last line: {AfterAllLines}");
        text.AppendLine(CultureInfo.InvariantCulture, $"terminal lines the next unkilled pass completed: {LinesCompletedByNextPass}");
        text.AppendLine(CultureInfo.InvariantCulture, $"orchestrator writer: {WriterCommits} commits, {WriterErrors} failed writes");
        return TortureVerdict.Append(text, Violations, KeptDirectory);
    }
}

/// <summary>
/// Kills <c>registryctl repair</c> of a 2026 workspace full of zombies with SIGKILL at random points around its write
/// transaction and its progress lines, again and again, while a python3 orchestrator writer commits to other rows.
/// Each kill is preceded by SIGSTOP, so that where it landed is read off the stopped process (its WAL write lock in
/// <c>/proc/locks</c>) and the files. After each kill: the database opens afresh in WAL mode with no journal and
/// passes <c>PRAGMA integrity_check</c>; every zombie is untouched or fully transitioned, all of them or none; no
/// line without its row, none twice; no writer commit lost. Then an unkilled pass must leave every zombie ended with
/// exactly one terminal line.
/// </summary>
public static class SqliteCrashTorture
{
    public static async Task<SqliteCrashReport> RunAsync(SqliteCrashOptions options, TextWriter? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var run = await SqliteCrashRun.CreateAsync(options, cancellationToken);
        var window = await run.CalibrateAsync(cancellationToken);
        progress?.WriteLine($"an unkilled repair takes the write lock {window.Lock.TotalMilliseconds:0} ms after its start, holds it {window.Held.TotalMilliseconds:0.0} ms, appends its last progress line {window.LastLine.TotalMilliseconds:0} ms after taking it, and exits at {window.Exit.TotalMilliseconds:0} ms");

        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        for (var kill = 0; kill < options.Kills; kill++)
        {
            // One in ten before the transaction (from the start); three in ten within twice the lock's hold of its
            // being seen taken (inside the transaction, at its commit, before the first line); the rest anywhere up to
            // the last line (amid the lines).
            var aim = random.NextDouble();
            var early = aim < 0.1;
            var delay = early ? window.Lock * random.NextDouble()
                : aim < 0.4 ? window.Held * 2 * random.NextDouble()
                : (window.LastLine + TimeSpan.FromMilliseconds(5)) * random.NextDouble();
            await run.KillOnceAsync(kill, delay, fromStart: early, cancellationToken);
            if (progress is not null && (kill + 1) % 25 == 0)
            {
                await progress.WriteLineAsync($"{kill + 1} kills, {run.ViolationCount} violations");
            }
        }

        var duration = clock.Elapsed;
        return await run.FinishAsync(duration, window.Exit, cancellationToken);
    }

    /// <summary>When an unkilled repair is first seen holding the write lock (after its start), for how long, its last progress line (after taking the lock), and its exit.</summary>
    private sealed record RepairWindow(TimeSpan Lock, TimeSpan Held, TimeSpan LastLine, TimeSpan Exit);

    private enum Landing
    {
        Finished,
        BeforeTransaction,
        InsideTransaction,
        BetweenCommitAndLines,
        AmidLines,
        AfterAllLines,
    }

    /// <summary>One torture run: its workspace, tmux server and writer, and what the kills left.</summary>
    private sealed class SqliteCrashRun : IAsyncDisposable
    {
        private readonly SqliteCrashOptions _options;
        private readonly string _directory;
        private readonly SqliteZombieWorkspace _workspace;
        private readonly PrivateTmuxServer _tmux;
        private readonly string _stop;
        private readonly List<string> _violations = [];
        private readonly Dictionary<Landing, int> _landings = [];
        private PythonProcess? _writer;
        private int _completedByNextPass;
        private bool _keep;

        private SqliteCrashRun(SqliteCrashOptions options, string directory, SqliteZombieWorkspace workspace)
        {
            _options = options;
            _directory = directory;
            _workspace = workspace;
            _tmux = new PrivateTmuxServer(Path.Combine(directory, "tmux"));
            _stop = Path.Combine(directory, "stop");
        }

        public int ViolationCount => _violations.Count;

        public static async Task<SqliteCrashRun> CreateAsync(SqliteCrashOptions options, CancellationToken cancellationToken)
        {
            var directory = Directory.CreateTempSubdirectory("registryctl-torture-sqlite-crash-").FullName;
            var workspace = await SqliteZombieWorkspace.CreateAsync(Path.Combine(directory, "workspace"), options.Tasks, options.ZombiesPerTask, livePerTask: 1);
            var run = new SqliteCrashRun(options, directory, workspace);
            await run._tmux.StartAsync(workspace.LiveSessions, cancellationToken: cancellationToken);
            if (options.Writer)
            {
                run._writer = OrchestratorSqlite.StartSequenceWriter(workspace.Database, workspace.LiveAgents, run._stop, TimeSpan.FromMilliseconds(2));
                if (await run._writer.FirstLine.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken) != "ready")
                {
                    throw new InvalidOperationException($"the orchestrator writer did not start: {run._writer.Stderr}");
                }
            }

            return run;
        }

        /// <summary>Three unkilled repairs: when is the write lock taken, when is the last progress line appended, when does the repair exit?</summary>
        public async Task<RepairWindow> CalibrateAsync(CancellationToken cancellationToken)
        {
            var runs = new List<(TimeSpan Lock, TimeSpan Held, TimeSpan Last, TimeSpan Exit)>();
            // The first, cold run (JIT, page cache) is slower than the kills' runs: only the three after it count.
            for (var i = 0; i < 4; i++)
            {
                await _workspace.ResetAsync();
                var errors = new StringBuilder();
                using var process = StartRepair(errors);
                var started = Stopwatch.StartNew();
                var anchor = WaitForTransaction(process, started) ?? started.Elapsed;
                while (HoldsWalWriteLock(process.Id) && !process.HasExited)
                {
                }

                var held = started.Elapsed - anchor;
                TimeSpan? last = null;
                while (last is null && !process.HasExited)
                {
                    if (_workspace.Zombies.All(z => Syscall.stat(_workspace.ProgressFile(z), out var st) == 0 && st.st_size != _workspace.OriginalProgressLength(z)))
                    {
                        last = started.Elapsed - anchor;
                    }
                }

                await process.WaitForExitAsync(cancellationToken);
                if (process.ExitCode != 0 || last is null)
                {
                    throw new InvalidOperationException($"an unkilled repair exited {process.ExitCode}{(last is null ? " before every line was seen" : string.Empty)}: {errors}");
                }

                if (i > 0)
                {
                    runs.Add((anchor, held, last.Value, started.Elapsed));
                }
            }

            return new RepairWindow(
                runs.Select(r => r.Lock).Order().ElementAt(1),
                runs.Select(r => r.Held).Order().ElementAt(1),
                runs.Select(r => r.Last).Order().ElementAt(1),
                runs.Max(r => r.Exit));
        }

        /// <summary>
        /// Spins until the repair holds the WAL write lock, or (a transaction too short to be seen) its first progress
        /// line is appended, and returns when, after its start; null when it exited first.
        /// </summary>
        private TimeSpan? WaitForTransaction(Process process, Stopwatch started)
        {
            var first = _workspace.Zombies[0];
            while (!process.HasExited && started.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (HoldsWalWriteLock(process.Id)
                    || (Syscall.stat(_workspace.ProgressFile(first), out var st) == 0 && st.st_size != _workspace.OriginalProgressLength(first)))
                {
                    return started.Elapsed;
                }
            }

            return null;
        }

        /// <summary>
        /// Resets the zombies, starts a repair, stops and kills it <paramref name="delay"/> after its start
        /// (<paramref name="fromStart"/>) or after its write lock is seen taken, checks, and lets a second pass finish.
        /// </summary>
        public async Task KillOnceAsync(int kill, TimeSpan delay, bool fromStart, CancellationToken cancellationToken)
        {
            await _workspace.ResetAsync();
            var landing = Landing.Finished;
            using (var process = StartRepair())
            {
                var started = Stopwatch.StartNew();
                var from = fromStart ? TimeSpan.Zero : WaitForTransaction(process, started) ?? started.Elapsed;
                while (started.Elapsed - from < delay && !process.HasExited)
                {
                    Thread.SpinWait(50);
                }

                var locked = StopAndLook(process);
                await process.WaitForExitAsync(cancellationToken);
                var (after, state) = await CheckAfterKillAsync(kill, cancellationToken);
                if (locked is { } holding)
                {
                    landing = holding ? Landing.InsideTransaction : after;
                }

                _landings[landing] = _landings.GetValueOrDefault(landing) + 1;
                await NextPassAsync(kill, state, cancellationToken);
            }
        }

        public async Task<SqliteCrashReport> FinishAsync(TimeSpan duration, TimeSpan repairDuration, CancellationToken cancellationToken)
        {
            long commits = 0;
            var errors = 0;
            if (_writer is not null)
            {
                await File.WriteAllTextAsync(_stop, string.Empty, cancellationToken);
                if (await _writer.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken) != 0)
                {
                    _violations.Add($"the orchestrator writer failed: {_writer.Stderr}");
                }

                var lines = _writer.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                commits = lines.Count(l => l != "ready" && !l.StartsWith("error ", StringComparison.Ordinal));
                var failed = lines.Where(l => l.StartsWith("error ", StringComparison.Ordinal)).ToList();
                errors = failed.Count;
                _violations.AddRange(failed.Take(5).Select(l => $"an orchestrator write failed: {l}"));
            }

            _keep = _violations.Count > 0;
            return new SqliteCrashReport(
                _options.Kills,
                _workspace.Zombies.Count,
                _landings.GetValueOrDefault(Landing.Finished),
                _landings.GetValueOrDefault(Landing.BeforeTransaction),
                _landings.GetValueOrDefault(Landing.InsideTransaction),
                _landings.GetValueOrDefault(Landing.BetweenCommitAndLines),
                _landings.GetValueOrDefault(Landing.AmidLines),
                _landings.GetValueOrDefault(Landing.AfterAllLines),
                _completedByNextPass,
                commits,
                errors,
                duration,
                repairDuration,
                _violations,
                _keep ? _directory : null);
        }

        public async ValueTask DisposeAsync()
        {
            if (!File.Exists(_stop))
            {
                await File.WriteAllTextAsync(_stop, string.Empty, CancellationToken.None);
            }

            _writer?.Dispose();
            await _tmux.KillServerAsync();
            if (!_keep)
            {
                Directory.Delete(_directory, recursive: true);
            }
        }

        private Process StartRepair(StringBuilder? errors = null)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // --force: the zombies are most of the workspace, which the mass-termination guard would hold for a person.
            foreach (var argument in new[] { _options.Registryctl, "repair", "--force", "--workspace", _workspace.Root, "--tmux-socket", _tmux.SocketPath, "--no-color" })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
            // Drain both pipes so that a full pipe never stalls the repair.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null && errors is not null)
                {
                    lock (errors)
                    {
                        errors.AppendLine(e.Data);
                    }
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        /// <summary>
        /// SIGSTOP, then whether the stopped repair holds the WAL write lock (byte 120 of <c>-shm</c>, taken by
        /// <c>BEGIN IMMEDIATE</c>, let go at the end of COMMIT), then SIGKILL. Null when the repair had already exited.
        /// </summary>
        private bool? StopAndLook(Process process)
        {
            if (process.HasExited || Syscall.kill(process.Id, Signum.SIGSTOP) != 0)
            {
                return null;
            }

            var deadline = Stopwatch.StartNew();
            while (!Stopped(process.Id) && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.SpinWait(20);
            }

            var holding = HoldsWalWriteLock(process.Id);
            _ = Syscall.kill(process.Id, Signum.SIGKILL);
            return holding;
        }

        private static bool Stopped(int pid)
        {
            try
            {
                // Every thread of the process: a thread still running could take or let go the lock.
                return Directory.EnumerateDirectories($"/proc/{pid}/task").All(task =>
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
                    return state is "T" or "t" or "Z" or "X";
                });
            }
            catch (IOException)
            {
                return true;
            }
        }

        private bool HoldsWalWriteLock(int pid)
        {
            if (Syscall.stat(_workspace.Database + "-shm", out var shm) != 0)
            {
                return false;
            }

            var inode = ":" + shm.st_ino.ToString(CultureInfo.InvariantCulture);
            var me = pid.ToString(CultureInfo.InvariantCulture);
            // "1: POSIX  ADVISORY  WRITE 1234 00:2e:5678 120 120"; a waiter's line has "->" and holds nothing.
            return File.ReadLines("/proc/locks")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Any(f => f.Length >= 8 && f[1] == "POSIX" && f[3] == "WRITE" && f[4] == me && f[5].EndsWith(inode, StringComparison.Ordinal) && f[6] == "120");
        }

        /// <summary>What a kill left, checked as a fresh reader sees it; returns where the kill landed by the files.</summary>
        private async Task<(Landing Landing, JsonObject State)> CheckAfterKillAsync(int kill, CancellationToken cancellationToken)
        {
            var committed = WriterCommitted();
            var state = await InspectAsync(kill, "after the kill");
            var ended = 0;
            var withLine = 0;
            foreach (var zombie in _workspace.Zombies)
            {
                var row = state["agents"]![zombie.AgentId]!.AsObject();
                var transitioned = Transitioned(zombie, row, out var half);
                if (half is not null)
                {
                    _violations.Add($"kill {kill}: {zombie.AgentId} half-applied: {half}");
                }

                ended += transitioned ? 1 : 0;
                var lines = TerminalLines(zombie, kill);
                withLine += lines.Count > 0 ? 1 : 0;
                if (lines.Count > 1)
                {
                    _violations.Add($"kill {kill}: {zombie.AgentId} has {lines.Count} terminal lines");
                }

                if (lines.Count > 0 && !transitioned)
                {
                    _violations.Add($"kill {kill}: {zombie.AgentId} has a terminal line but its row was not transitioned");
                }
            }

            if (ended != 0 && ended != _workspace.Zombies.Count)
            {
                _violations.Add($"kill {kill}: one transaction half-committed: {ended} of {_workspace.Zombies.Count} zombies ended");
            }

            CheckWriter(kill, state, committed);
            cancellationToken.ThrowIfCancellationRequested();
            var landing = ended == 0 ? Landing.BeforeTransaction
                : withLine == 0 ? Landing.BetweenCommitAndLines
                : withLine < _workspace.Zombies.Count ? Landing.AmidLines
                : Landing.AfterAllLines;
            return (landing, state);
        }

        /// <summary>The pass after a kill: every zombie ended, each with exactly one terminal line matching its row.</summary>
        /// <param name="before">The database as the kill left it.</param>
        private async Task NextPassAsync(int kill, JsonObject before, CancellationToken cancellationToken)
        {
            // Rows the killed repair committed without their line: what this pass must complete (not repair afresh).
            var missing = _workspace.Zombies.Count(z => (string?)before["agents"]![z.AgentId]!["status"] != "running" && TerminalLines(z, kill).Count == 0);
            var errors = new StringBuilder();
            using (var process = StartRepair(errors))
            {
                await process.WaitForExitAsync(cancellationToken);
                if (process.ExitCode != 0)
                {
                    _violations.Add($"kill {kill}: the next, unkilled repair exited {process.ExitCode}: {errors}");
                }
            }

            var state = await InspectAsync(kill, "after the next pass");
            var mismatched = new List<string>();
            foreach (var zombie in _workspace.Zombies)
            {
                var row = state["agents"]![zombie.AgentId]!.AsObject();
                if (!Transitioned(zombie, row, out var half) || half is not null)
                {
                    mismatched.Add($"{zombie.AgentId} not ended ({(string?)row["status"]}{(half is null ? string.Empty : "; " + half)})");
                    continue;
                }

                var lines = TerminalLines(zombie, kill);
                if (lines.Count != 1)
                {
                    mismatched.Add($"{zombie.AgentId} has {lines.Count} terminal lines");
                }
                else if ((string?)lines[0]["status"] != (string?)row["status"] || (string?)lines[0]["timestamp"] != (string?)row["l_timestamp"])
                {
                    mismatched.Add($"{zombie.AgentId}'s terminal line ({lines[0].ToJsonString()}) is not its row's ending ({(string?)row["status"]} at {(string?)row["l_timestamp"]})");
                }
            }

            if (mismatched.Count > 0)
            {
                _violations.Add($"kill {kill}: after the next pass {mismatched.Count} zombies are not ended with exactly one terminal line, e.g. {string.Join("; ", mismatched.Take(3))}");
            }
            else
            {
                _completedByNextPass += missing;
            }
        }

        private async Task<JsonObject> InspectAsync(int kill, string when)
        {
            if (File.Exists(_workspace.Database + "-journal"))
            {
                _violations.Add($"kill {kill}: {when}, a rollback journal state.sqlite3-journal exists beside a WAL database");
            }

            var state = await OrchestratorSqlite.InspectAsync(_workspace.Database);
            if ((string?)state["integrity"] != "ok")
            {
                _violations.Add($"kill {kill}: {when}, PRAGMA integrity_check says {(string?)state["integrity"]}");
            }

            if ((string?)state["journal_mode"] != "wal")
            {
                _violations.Add($"kill {kill}: {when}, the journal mode is {(string?)state["journal_mode"]}");
            }

            foreach (var (_, agentId) in _workspace.LiveAgents)
            {
                if ((string?)state["agents"]![agentId]!["status"] is not ("working" or "blocked"))
                {
                    _violations.Add($"kill {kill}: {when}, the live agent {agentId} is {(string?)state["agents"]![agentId]!["status"]}");
                }
            }

            return state;
        }

        /// <summary>
        /// Whether the zombie's row is fully transitioned (status its ending, last_update and completed_at set, progress
        /// 100 when completed, its latest row ours at the same instant); <paramref name="half"/> says what is missing when
        /// the row is neither that nor untouched.
        /// </summary>
        private static bool Transitioned(SqliteZombie zombie, JsonObject row, out string? half)
        {
            var status = (string?)row["status"];
            half = null;
            if (status == "running")
            {
                if ((string?)row["l_status"] != "running" || (string?)row["l_message"] != "started" || row["completed_at"] is not null)
                {
                    half = $"the row still running but its latest row says {(string?)row["l_status"]} ({(string?)row["l_message"]}), completed_at {row["completed_at"]}";
                }

                return false;
            }

            var problems = new List<string>();
            if (status != zombie.Ending)
            {
                problems.Add($"status {status}, its evidence says {zombie.Ending}");
            }

            if (row["completed_at"] is null)
            {
                problems.Add("no completed_at");
            }

            if (status == "completed" && (int?)row["progress"] != 100)
            {
                problems.Add($"completed with progress {row["progress"]}");
            }

            if ((string?)row["l_status"] != status || (string?)row["l_timestamp"] != (string?)row["last_update"]
                || ((string?)row["l_message"])?.StartsWith($"registryctl: recorded {status}", StringComparison.Ordinal) != true)
            {
                problems.Add($"its latest row is {(string?)row["l_status"]} at {(string?)row["l_timestamp"]} ({(string?)row["l_message"]}), the row {status} at {(string?)row["last_update"]}");
            }

            half = problems.Count == 0 ? null : string.Join("; ", problems);
            return true;
        }

        /// <summary>The zombie's progress lines that registryctl wrote; an unparsable line is a violation.</summary>
        private List<JsonObject> TerminalLines(SqliteZombie zombie, int kill)
        {
            var found = new List<JsonObject>();
            foreach (var line in File.ReadLines(_workspace.ProgressFile(zombie)).Where(l => l.Length > 0))
            {
                try
                {
                    var parsed = JsonNode.Parse(line)!.AsObject();
                    if ((string?)parsed[AgentEndFields.ReconciledByField] == AgentEndFields.ReconciledBy)
                    {
                        found.Add(parsed);
                    }
                }
                catch (JsonException e)
                {
                    _violations.Add($"kill {kill}: {zombie.AgentId}'s progress file has a line that does not parse ({e.Message}): {line}");
                }
            }

            return found;
        }

        /// <summary>The writer's last commit per agent, as it said before the database is read.</summary>
        private Dictionary<string, long> WriterCommitted()
        {
            var committed = new Dictionary<string, long>(StringComparer.Ordinal);
            if (_writer is null)
            {
                return committed;
            }

            foreach (var line in _writer.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                if (parts.Length == 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var seq))
                {
                    committed[parts[0]] = seq;
                }
            }

            return committed;
        }

        private void CheckWriter(int kill, JsonObject state, Dictionary<string, long> committed)
        {
            foreach (var (agent, seq) in committed)
            {
                var message = (string?)state["agents"]![agent]!["l_message"] ?? string.Empty;
                var stored = message.StartsWith("seq ", StringComparison.Ordinal) && long.TryParse(message[4..message.IndexOf(':', StringComparison.Ordinal)], CultureInfo.InvariantCulture, out var s) ? s : -1;
                if (stored < seq)
                {
                    _violations.Add($"kill {kill}: the orchestrator's commit {seq} to {agent} was lost (the database holds '{message}')");
                }
            }
        }
    }
}
