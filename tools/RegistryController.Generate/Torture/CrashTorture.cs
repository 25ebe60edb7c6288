using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mono.Unix.Native;
using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Store;
using RegistryController.Testing;

namespace RegistryController.Tools.Torture;

/// <summary>How many times the crash-safety torture kills a repair, and on what.</summary>
public sealed record CrashOptions
{
    public int Kills { get; init; } = 40;

    public int Tasks { get; init; } = 20;

    /// <summary>Per task: many agents make multi-page registries (and a ~100 KB global one), so that a write spans pages.</summary>
    public AgentMix Mix { get; init; } = new(Live: 8, Zombie: 3, Completed: 14);

    public int Seed { get; init; } = 1;

    /// <summary>registryctl.dll, run with <c>dotnet</c> (by default the one copied beside this tool).</summary>
    public string Registryctl { get; init; } = Path.Combine(AppContext.BaseDirectory, "registryctl.dll");
}

/// <summary>What the crash-safety torture saw.</summary>
public sealed record CrashReport(
    int Kills,
    int FinishedBeforeKill,
    int KillsBeforeAnyWrite,
    int KillsMidRepair,
    int KillsAfterAllWrites,
    int TornFiles,
    long LockedReads,
    int LockedFailures,
    long UnlockedReads,
    int UnlockedFailures,
    int UnlockedFailuresDuringRestores,
    TimeSpan Duration,
    TimeSpan RepairDuration,
    IReadOnlyList<string> Violations,
    IReadOnlyList<string> UnlockedObservations,
    string? KeptDirectory)
{
    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"kills: {Kills} SIGKILLs in {Duration.TotalSeconds:0.0} s (an unkilled repair takes {RepairDuration.TotalMilliseconds:0} ms); {FinishedBeforeKill} repairs finished before their kill");
        text.AppendLine(CultureInfo.InvariantCulture, $"  landed before any write: {KillsBeforeAnyWrite}; mid-repair (some registries written, some not): {KillsMidRepair}; after every write: {KillsAfterAllWrites}");
        text.AppendLine(CultureInfo.InvariantCulture, $"files left unparsable after a kill: {TornFiles}");
        text.AppendLine(CultureInfo.InvariantCulture, $"locked reader (LOCK_SH): {LockedReads} reads, {LockedFailures} saw invalid JSON");
        text.AppendLine(CultureInfo.InvariantCulture, $"unlocked reader: {UnlockedReads} reads, {UnlockedFailures} saw invalid JSON ({UnlockedFailuresDuringRestores} during the harness's own restores, {UnlockedFailures - UnlockedFailuresDuringRestores} otherwise)");
        foreach (var observation in UnlockedObservations.Take(10))
        {
            text.AppendLine("  - " + observation);
        }

        return TortureVerdict.Append(text, Violations, KeptDirectory);
    }
}

/// <summary>
/// Kills <c>registryctl repair</c> with SIGKILL at random points of its repair phase, again and again,
/// while a locked and an unlocked python3 reader poll every registry; after each kill every file must
/// parse, keep its inode and keep every agent.
/// </summary>
public static class CrashTorture
{
    public static async Task<CrashReport> RunAsync(CrashOptions options, TextWriter? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var run = CrashRun.Create(options);
        await run.StartTmuxAsync(cancellationToken);
        run.RememberOriginals();
        await run.StartReadersAsync(cancellationToken);
        var window = await run.CalibrateAsync(cancellationToken);
        progress?.WriteLine($"an unkilled repair writes from {window.First.TotalMilliseconds:0} ms to {window.Last.TotalMilliseconds:0} ms after its start and exits at {window.Exit.TotalMilliseconds:0} ms; each kill lands a random 0-{window.WritePhaseMilliseconds + 5:0} ms after the first write is seen");

        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        for (var kill = 0; kill < options.Kills; kill++)
        {
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * (window.WritePhaseMilliseconds + 5));
            await run.KillOnceAsync(kill, delay, cancellationToken);
            if (progress is not null && (kill + 1) % 50 == 0)
            {
                await progress.WriteLineAsync($"{kill + 1} kills, {run.Torn} torn files, {run.ViolationCount} violations");
            }
        }

        var duration = clock.Elapsed;
        var readers = await run.CollectReadersAsync(cancellationToken);
        await run.FinalCheckAsync(cancellationToken);
        return run.Report(readers, duration, window.Exit);
    }

    private static Process StartRepair(CrashOptions options, string root, string socket, StringBuilder? errors = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { options.Registryctl, "repair", "--workspace", root, "--tmux-socket", socket, "--no-color" })
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

    private static List<string> AgentIds(byte[] bytes)
    {
        var root = JsonNode.Parse(bytes)!.AsObject();
        return root["agents"] switch
        {
            JsonArray list => [.. list.Select(a => (string)a!["id"]!)],
            JsonObject map => [.. map.Select(kv => kv.Key)],
            _ => throw new JsonException("no agents"),
        };
    }

    /// <summary>
    /// The workspace's files, less the agents' progress files: a repair appends each ending there as its
    /// audit line (creating progress/ for an agent that never reported), which is the point, not a stray.
    /// </summary>
    private static List<string> Listing(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Where(p => !Path.GetRelativePath(root, p).Split(Path.DirectorySeparatorChar).Contains("progress"))
            .Order(StringComparer.Ordinal)];

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path);

    private static double Monotonic() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    /// <summary>When an unkilled repair writes its first and its last file, and when it exits (after its start).</summary>
    private sealed record RepairWindow(TimeSpan First, TimeSpan Last, TimeSpan Exit, double WritePhaseMilliseconds);

    /// <summary>What the two readers counted; the unlocked reader's failures split by whether one of the harness's restores caused them.</summary>
    private sealed record ReaderTallies(long LockedReads, int LockedFailures, long UnlockedReads, int UnlockedFailures, int UnlockedFailuresDuringRestores, IReadOnlyList<string> UnlockedObservations);

    /// <summary>
    /// One torture run: its workspace and tmux server, the registries as generated (bytes, agents, inodes),
    /// the readers, the harness's own restores and what the kills left. Disposing it stops the readers and
    /// the tmux server and deletes the directory unless the report points at it.
    /// </summary>
    private sealed class CrashRun : IAsyncDisposable
    {
        private readonly CrashOptions _options;
        private readonly string _directory;
        private readonly string _root;
        private readonly GeneratedWorkspace _generated;
        private readonly PrivateTmuxServer _tmux;
        private readonly string _saved;
        private readonly string _stop;
        private readonly List<PythonProcess> _readers = [];
        private readonly List<(double Start, double End)> _restores = [];
        private readonly List<string> _violations = [];
        private List<string> _paths = [];
        private Dictionary<string, byte[]> _original = new();
        private Dictionary<string, List<string>> _ids = new();
        private Dictionary<string, ulong> _inodes = new();
        private Dictionary<string, long> _sizes = new();
        private List<string> _files = [];
        private int _finished;
        private int _beforeAny;
        private int _mid;
        private int _afterAll;
        private int _torn;
        private bool _keep;

        private CrashRun(CrashOptions options, string directory, GeneratedWorkspace generated)
        {
            _options = options;
            _directory = directory;
            _root = generated.Root;
            _generated = generated;
            _tmux = new PrivateTmuxServer(Path.Combine(directory, "tmux"));
            _saved = Path.Combine(directory, "seen");
            Directory.CreateDirectory(_saved);
            _stop = Path.Combine(directory, "stop");
        }

        public int Torn => _torn;

        public int ViolationCount => _violations.Count;

        public static CrashRun Create(CrashOptions options)
        {
            var directory = Directory.CreateTempSubdirectory("registryctl-torture-crash-").FullName;
            var root = Path.Combine(directory, "workspace");
            var generated = WorkspaceGenerator.Generate(root, options.Tasks, options.Mix, orphans: 0, ClockReading.From(TimeProvider.System), seed: options.Seed);
            return new CrashRun(options, directory, generated);
        }

        public Task StartTmuxAsync(CancellationToken cancellationToken) =>
            _tmux.StartAsync(_generated.Truth.LiveSessions, cancellationToken: cancellationToken);

        /// <summary>Every registry as generated: what each kill's check and each restore go back to.</summary>
        public void RememberOriginals()
        {
            _paths = _generated.TaskIds.Select(t => Path.Combine(_root, t, RegistryDiscovery.TaskRegistryFileName))
                .Append(RegistryDiscovery.GlobalRegistryPath(_root)).ToList();
            _original = _paths.ToDictionary(p => p, LockedFile.ReadShared);
            _ids = _paths.ToDictionary(p => p, p => AgentIds(_original[p]));
            _inodes = _paths.ToDictionary(p => p, LockedFile.Inode);
            _sizes = _paths.ToDictionary(p => p, p => _original[p].LongLength);
            _files = Listing(_root);
        }

        public async Task StartReadersAsync(CancellationToken cancellationToken)
        {
            var pathsFile = Path.Combine(_directory, "paths.json");
            await File.WriteAllTextAsync(pathsFile, new JsonArray([.. _paths.Select(p => (JsonNode?)p)]).ToJsonString(), cancellationToken);
            var script = OrchestratorScripts.Extract(OrchestratorScripts.Reader, _directory);
            foreach (var mode in new[] { "locked", "unlocked" })
            {
                _readers.Add(OrchestratorScripts.Start(script, mode, pathsFile, _saved, _stop));
            }

            foreach (var reader in _readers)
            {
                if (await reader.FirstLine.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken) != "ready")
                {
                    throw new InvalidOperationException($"a reader did not start: {reader.Stderr}");
                }
            }
        }

        /// <summary>Calibrate: when does an unkilled repair write its first and its last file?</summary>
        public async Task<RepairWindow> CalibrateAsync(CancellationToken cancellationToken)
        {
            var repair = new List<(TimeSpan First, TimeSpan Last, TimeSpan Exit)>();
            for (var i = 0; i < 3; i++)
            {
                Restore();
                var started = DateTime.UtcNow;
                var errors = new StringBuilder();
                using var process = StartRepair(_options, _root, _tmux.SocketPath, errors);
                await process.WaitForExitAsync(cancellationToken);
                var exit = DateTime.UtcNow - started;
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"an unkilled repair exited {process.ExitCode}: {errors}");
                }

                var written = _paths.Select(p => File.GetLastWriteTimeUtc(p) - started).Order().ToList();
                repair.Add((written[0], written[^1], exit));
            }

            return new RepairWindow(
                repair.Min(r => r.First),
                repair.Max(r => r.Last),
                repair.Max(r => r.Exit),
                repair.Average(r => (r.Last - r.First).TotalMilliseconds));
        }

        /// <summary>Restores every registry, starts a repair, kills it <paramref name="delay"/> into its write phase, and checks what it left.</summary>
        public async Task KillOnceAsync(int kill, TimeSpan delay, CancellationToken cancellationToken)
        {
            Restore();
            using var process = StartRepair(_options, _root, _tmux.SocketPath);
            KillDuringWrites(process, delay);
            await process.WaitForExitAsync(cancellationToken);
            var written = 0;
            foreach (var path in _paths)
            {
                if (await CheckAfterKillAsync(kill, delay, path, cancellationToken))
                {
                    written++;
                }
            }

            CheckNoNewFiles(kill);
            _ = written == 0 ? _beforeAny++ : written == _paths.Count ? _afterAll++ : _mid++;
        }

        /// <summary>Stops the readers and takes their tallies; a locked reader must never have seen invalid JSON.</summary>
        public async Task<ReaderTallies> CollectReadersAsync(CancellationToken cancellationToken)
        {
            await File.WriteAllTextAsync(_stop, string.Empty, cancellationToken);
            var summaries = new List<JsonObject>();
            foreach (var reader in _readers)
            {
                if (await reader.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken) != 0)
                {
                    _violations.Add($"a reader failed: {reader.Stderr}");
                    summaries.Add(new JsonObject { ["reads"] = 0, ["failures"] = new JsonArray(), ["failure_count"] = 0 });
                    continue;
                }

                summaries.Add(JsonNode.Parse(reader.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!.AsObject());
            }

            var (locked, unlocked) = (summaries[0], summaries[1]);
            foreach (var failure in locked["failures"]!.AsArray())
            {
                _violations.Add($"the locked reader saw invalid JSON in {Relative(_root, (string)failure!["path"]!)}: {failure["error"]} ({failure["length"]} bytes{SavedAs(failure)})");
            }

            var unlockedFailures = unlocked["failures"]!.AsArray().Select(f => f!).ToList();
            var observations = unlockedFailures
                .Where(f => !DuringRestore(f))
                .Select(f => $"{Relative(_root, (string)f["path"]!)}: {f["error"]} ({f["length"]} bytes{SavedAs(f)})")
                .ToList();
            return new ReaderTallies(
                (long)locked["reads"]!,
                (int)locked["failure_count"]!,
                (long)unlocked["reads"]!,
                (int)unlocked["failure_count"]!,
                unlockedFailures.Count(DuringRestore),
                observations);
        }

        /// <summary>Afterwards a repair that nobody kills must leave a healthy workspace.</summary>
        public async Task FinalCheckAsync(CancellationToken cancellationToken)
        {
            using (var last = StartRepair(_options, _root, _tmux.SocketPath))
            {
                await last.WaitForExitAsync(cancellationToken);
                if (last.ExitCode != 0)
                {
                    _violations.Add($"the final unkilled repair exited {last.ExitCode}");
                }
            }

            foreach (var path in _paths)
            {
                try
                {
                    if (!AgentIds(LockedFile.ReadShared(path)).SequenceEqual(_ids[path]))
                    {
                        _violations.Add($"at the end {Relative(_root, path)} does not hold the agents it started with");
                    }
                }
                catch (JsonException ex)
                {
                    _violations.Add($"at the end {Relative(_root, path)} does not parse: {ex.Message}");
                }
            }
        }

        /// <summary>The report; a run with violations or unlocked failures keeps its directory for a look.</summary>
        public CrashReport Report(ReaderTallies readers, TimeSpan duration, TimeSpan repairDuration)
        {
            _keep = _violations.Count > 0 || readers.UnlockedFailures > 0;
            return new CrashReport(
                _options.Kills,
                _finished,
                _beforeAny,
                _mid,
                _afterAll,
                _torn,
                readers.LockedReads,
                readers.LockedFailures,
                readers.UnlockedReads,
                readers.UnlockedFailures,
                readers.UnlockedFailuresDuringRestores,
                duration,
                repairDuration,
                _violations,
                readers.UnlockedObservations,
                _keep ? _directory : null);
        }

        public async ValueTask DisposeAsync()
        {
            if (!File.Exists(_stop))
            {
                await File.WriteAllTextAsync(_stop, string.Empty, CancellationToken.None);
            }

            foreach (var reader in _readers)
            {
                reader.Dispose();
            }

            await _tmux.KillServerAsync();
            if (!_keep)
            {
                Directory.Delete(_directory, recursive: true);
            }
        }

        private void Restore()
        {
            var start = Monotonic();
            foreach (var path in _paths)
            {
                LockedFile.Restore(path, _original[path]);
            }

            _restores.Add((start, Monotonic()));
        }

        private void KillDuringWrites(Process process, TimeSpan delay)
        {
            // Wait, spinning, for the first write to show (a repair grows every file it writes), then
            // let the chosen delay pass: the kill lands somewhere in the write phase.
            var deadline = Stopwatch.StartNew();
            while (!process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60) && !_paths.Any(p => Syscall.stat(p, out var st) == 0 && st.st_size != _sizes[p]))
            {
                Thread.SpinWait(20);
            }

            var started = Stopwatch.StartNew();
            while (started.Elapsed < delay && !process.HasExited)
            {
                Thread.SpinWait(50);
            }

            if (process.HasExited)
            {
                _finished++;
            }
            else
            {
                _ = Syscall.kill(process.Id, Signum.SIGKILL);
            }
        }

        /// <summary>A file the killed repair wrote must parse, keep its inode and keep every agent.</summary>
        /// <returns>Whether the repair had written <paramref name="path"/> before it died.</returns>
        private async Task<bool> CheckAfterKillAsync(int kill, TimeSpan delay, string path, CancellationToken cancellationToken)
        {
            var bytes = LockedFile.ReadShared(path);
            var name = Relative(_root, path);
            if (bytes.AsSpan().SequenceEqual(_original[path]))
            {
                return false;
            }

            if (LockedFile.Inode(path) != _inodes[path])
            {
                _violations.Add($"kill {kill}: {name} has a new inode (it was replaced, not rewritten)");
            }

            List<string> now;
            try
            {
                now = AgentIds(bytes);
            }
            catch (JsonException ex)
            {
                _torn++;
                var copy = Path.Combine(_saved, $"torn-kill{kill:0000}-{Path.GetFileName(Path.GetDirectoryName(path))}.bin");
                await File.WriteAllBytesAsync(copy, bytes, cancellationToken);
                _violations.Add($"kill {kill} at {delay.TotalMilliseconds:0.0} ms: {name} left unparsable ({ex.Message}; {bytes.Length} bytes, was {_original[path].Length}; saved as {copy})");
                return true;
            }

            if (!now.SequenceEqual(_ids[path]))
            {
                _violations.Add($"kill {kill}: {name} agents changed ({_ids[path].Count} before, {now.Count} after)");
            }

            return true;
        }

        private void CheckNoNewFiles(int kill)
        {
            if (!Listing(_root).SequenceEqual(_files))
            {
                _violations.Add($"kill {kill}: the workspace has files it did not have before: {string.Join(", ", Listing(_root).Except(_files))}");
                _files = Listing(_root);
            }
        }

        private bool DuringRestore(JsonNode failure) =>
            _restores.Any(r => (double)failure["monotonic"]! >= r.Start && (double)failure["monotonic"]! <= r.End);

        private string SavedAs(JsonNode failure) =>
            failure["saved"] is { } s ? $", saved as {Path.Combine(_saved, (string)s!)}" : string.Empty;
    }
}
