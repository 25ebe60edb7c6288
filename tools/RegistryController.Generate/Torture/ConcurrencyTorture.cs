using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Store;
using RegistryController.Testing;

namespace RegistryController.Tools.Torture;

/// <summary>How hard the concurrency torture pushes.</summary>
public sealed record ConcurrencyOptions
{
    /// <summary>Locking writers; they share every careful task registry and the global registry.</summary>
    public int CarefulSimulators { get; init; } = 3;

    /// <summary>Unlocked writers; each owns its registries alone (see docs/reliability.md for why).</summary>
    public int CarelessSimulators { get; init; } = 1;

    public int CarefulTasks { get; init; } = 4;

    public int CarelessTasksPerSimulator { get; init; } = 2;

    public int OperationsPerSimulator { get; init; } = 100;

    /// <summary>The controller's grace period. It must exceed Controller:MaxViewAge (2 s) for the no-false-termination promise.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>After the simulators stop, how long the controller has to make every file true.</summary>
    public TimeSpan SettleDeadline { get; init; } = TimeSpan.FromSeconds(40);

    public int Seed { get; init; } = 1;

    /// <summary>Extra controller settings (as <c>--set</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> ControllerSettings { get; init; } = [];

    public int Simulators => CarefulSimulators + CarelessSimulators;
}

/// <summary>What one concurrency torture run did and found.</summary>
public sealed record ConcurrencyReport(
    int Operations,
    IReadOnlyDictionary<string, long> ByKind,
    TimeSpan Duration,
    TimeSpan SettleTime,
    long ControllerReconciles,
    long ControllerWrites,
    long LockWaits,
    double LockWaitSeconds,
    long ControllerTerminatedFirst,
    long CarelessReadRetries,
    int CrashedAgents,
    IReadOnlyList<string> Violations,
    string? KeptDirectory)
{
    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"operations: {Operations} in {Duration.TotalSeconds:0.0} s ({Operations / Math.Max(Duration.TotalSeconds, 0.001):0} ops/s): {string.Join(", ", ByKind.Select(kv => $"{kv.Key} {kv.Value}"))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"controller: {ControllerReconciles} reconciles, {ControllerWrites} writes; settled {SettleTime.TotalSeconds:0.0} s after the simulators stopped");
        text.AppendLine(CultureInfo.InvariantCulture, $"orchestrator side: {LockWaits} lock waits ({LockWaitSeconds:0.0} s in all), {ControllerTerminatedFirst} terminations where the controller was first, {CarelessReadRetries} unlocked reads retried, {CrashedAgents} crashed agents to find");
        return TortureVerdict.Append(text, Violations, KeptDirectory);
    }
}

/// <summary>
/// Several python3 orchestrator writers (careful and careless) spawn, update, complete, terminate and
/// crash agents at a high rate while the real controller runs; then every intended write must be
/// there, the counters exact, and no agent whose session lived may have been terminated.
/// </summary>
public static class ConcurrencyTorture
{
    private static readonly string[] Active = ["running", "working", "blocked", "reviewing"];
    private static readonly string[] Kinds = ["spawn", "progress", "complete", "terminate", "crash"];

    public static async Task<ConcurrencyReport> RunAsync(ConcurrencyOptions options, TextWriter? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var run = ConcurrencyRun.Create(options);
        await run.StartAsync(progress, cancellationToken);
        var clock = Stopwatch.StartNew();
        var simulators = await run.StartSimulatorsAsync(cancellationToken);
        var logs = await run.WaitForSimulatorsAsync(simulators, cancellationToken);
        var duration = clock.Elapsed;
        progress?.WriteLine($"simulators done: {logs.Sum(l => (long)l["stats"]!["ops"]!)} operations in {duration.TotalSeconds:0.0} s; waiting for the controller to settle");
        run.AddSimulatorViolations(logs);
        var expected = Expectations.From(logs);
        var settleTime = await run.SettleAsync(expected, cancellationToken);
        return run.Report(logs, expected, duration, settleTime);
    }

    private static string SaveBytes(string directory, byte[] bytes)
    {
        var path = Path.Combine(directory, $"violation-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static JsonObject Read(string path) => JsonNode.Parse(LockedFile.ReadShared(path))!.AsObject();

    private static bool IsActive(string? status) => status is not null && Active.Contains(status);

    /// <summary>Every invariant at once; empty when the workspace is exactly what the simulators and tmux say it must be.</summary>
    private static async Task<IReadOnlyList<string>> CheckAsync(Expectations expected, Baseline before, List<string> taskPaths, string globalPath, PrivateTmuxServer tmux, CancellationToken cancellationToken)
    {
        var inspection = new Inspection(expected, before);
        var totalActive = 0;
        var unparsable = false;
        foreach (var path in taskPaths)
        {
            if (inspection.CheckTask(path) is { } active)
            {
                totalActive += active;
            }
            else
            {
                unparsable = true;
            }
        }

        JsonObject global;
        try
        {
            global = Read(globalPath);
        }
        catch (JsonException ex)
        {
            inspection.Problems.Add($"global: does not parse: {ex.Message}");
            return inspection.Problems;
        }

        inspection.CheckGlobalAgents(global);
        inspection.CheckGlobalCounters(global, unparsable ? null : totalActive);
        await inspection.CheckSessionsAsync(tmux, cancellationToken);
        return inspection.Problems;
    }

    /// <summary>
    /// One run: its workspace, tmux server and controller, the baseline the simulators start from, and the
    /// violations found. Disposing it stops the controller and the tmux server and deletes the directory
    /// unless the report points at it.
    /// </summary>
    private sealed class ConcurrencyRun : IAsyncDisposable
    {
        private readonly ConcurrencyOptions _options;
        private readonly string _directory;
        private readonly string _root;
        private readonly GeneratedWorkspace _generated;
        private readonly PrivateTmuxServer _tmux;
        private readonly List<string> _violations = [];
        private List<string> _taskPaths = [];
        private string _globalPath = string.Empty;
        private List<string> _careful = [];
        private List<string[]> _careless = [];
        private InProcessController? _controller;
        private Baseline? _before;
        private string _script = string.Empty;
        private bool _keep;

        private ConcurrencyRun(ConcurrencyOptions options, string directory, GeneratedWorkspace generated)
        {
            _options = options;
            _directory = directory;
            _root = generated.Root;
            _generated = generated;
            _tmux = new PrivateTmuxServer(Path.Combine(directory, "tmux"));
        }

        private InProcessController Controller => _controller ?? throw new InvalidOperationException("the run has not started");

        private Baseline Before => _before ?? throw new InvalidOperationException("the run has not started");

        public static ConcurrencyRun Create(ConcurrencyOptions options)
        {
            var directory = Directory.CreateTempSubdirectory("registryctl-torture-concurrency-").FullName;
            var root = Path.Combine(directory, "workspace");
            var carelessTasks = options.CarelessSimulators * options.CarelessTasksPerSimulator;
            var generated = WorkspaceGenerator.Generate(root, options.CarefulTasks + carelessTasks, new AgentMix(Live: 3, Zombie: 1, Completed: 2), orphans: 1, ClockReading.From(TimeProvider.System), seed: options.Seed);
            return new ConcurrencyRun(options, directory, generated);
        }

        /// <summary>Starts tmux and the controller, and takes the baseline once the controller is ready.</summary>
        public async Task StartAsync(TextWriter? progress, CancellationToken cancellationToken)
        {
            await _tmux.StartAsync(WorkspaceGenerator.LiveAndOrphanSessions(_generated.Truth), cancellationToken: cancellationToken);
            _taskPaths = _generated.TaskIds.Select(t => Path.Combine(_root, t, RegistryDiscovery.TaskRegistryFileName)).ToList();
            _globalPath = RegistryDiscovery.GlobalRegistryPath(_root);
            _careful = _taskPaths.Take(_options.CarefulTasks).ToList();
            _careless = _taskPaths.Skip(_options.CarefulTasks).Chunk(_options.CarelessTasksPerSimulator).ToList();

            _controller = await InProcessController.StartAsync(
                _root,
                _tmux.SocketPath,
                [new("Reconcile:Grace", $"{_options.Grace.TotalMilliseconds:0}ms"), .. _options.ControllerSettings],
                cancellationToken);
            progress?.WriteLine($"controller ready on {_root} ({_taskPaths.Count} task registries, tmux -S {_tmux.SocketPath})");

            // The starting point, once the startup reconcile has repaired the generated zombies.
            _before = new Baseline(_taskPaths.ToDictionary(p => p, Read), Read(_globalPath), _generated.Truth);
            _script = OrchestratorScripts.Extract(OrchestratorScripts.Simulator, _directory);
        }

        /// <summary>The careful simulators share every careful task registry; each careless one owns its own chunk.</summary>
        public async Task<List<(string Log, PythonProcess Process)>> StartSimulatorsAsync(CancellationToken cancellationToken)
        {
            var simulators = new List<(string Log, PythonProcess Process)>();
            for (var i = 0; i < _options.Simulators; i++)
            {
                var isCareful = i < _options.CarefulSimulators;
                var name = isCareful ? $"careful{i}" : $"careless{i - _options.CarefulSimulators}";
                var log = Path.Combine(_directory, name + ".log.json");
                var config = new JsonObject
                {
                    ["name"] = name,
                    ["mode"] = isCareful ? "careful" : "careless",
                    ["registries"] = new JsonArray([.. (isCareful ? _careful : [.. _careless[i - _options.CarefulSimulators]]).Select(p => (JsonNode?)p)]),
                    ["global"] = _globalPath,
                    ["tmux"] = _tmux.SocketPath,
                    ["ops"] = _options.OperationsPerSimulator,
                    ["seed"] = _options.Seed * 1000 + i,
                    ["log"] = log,
                };
                var configPath = Path.Combine(_directory, name + ".config.json");
                await File.WriteAllTextAsync(configPath, config.ToJsonString(), cancellationToken);
                simulators.Add((log, OrchestratorScripts.Start(_script, configPath)));
            }

            return simulators;
        }

        /// <summary>Waits for every simulator and reads its log; a simulator that times out, fails or writes no log is a violation.</summary>
        public async Task<List<JsonObject>> WaitForSimulatorsAsync(List<(string Log, PythonProcess Process)> simulators, CancellationToken cancellationToken)
        {
            var logs = new List<JsonObject>();
            // Generous: a loaded machine slows the simulators' tmux calls and 0.1 s lock steps a lot.
            var timeout = TimeSpan.FromSeconds(300 + _options.OperationsPerSimulator);
            try
            {
                foreach (var (log, process) in simulators)
                {
                    int code;
                    try
                    {
                        code = await process.WaitAsync(timeout, cancellationToken);
                    }
                    catch (TimeoutException ex)
                    {
                        _violations.Add($"simulator {Path.GetFileName(log)}: {ex.Message}");
                        continue;
                    }

                    if (code != 0 || !File.Exists(log))
                    {
                        _violations.Add($"simulator {Path.GetFileName(log)} exited {code}: {process.Stderr.Trim()}");
                        continue;
                    }

                    logs.Add(JsonNode.Parse(await File.ReadAllTextAsync(log, cancellationToken))!.AsObject());
                }
            }
            finally
            {
                foreach (var (_, process) in simulators)
                {
                    process.Dispose();
                }
            }

            return logs;
        }

        /// <summary>What the simulators themselves saw go wrong (a torn read, a lost write), with the bytes saved beside.</summary>
        public void AddSimulatorViolations(List<JsonObject> logs)
        {
            foreach (var log in logs)
            {
                foreach (var v in log["violations"]!.AsArray())
                {
                    var raw = v!["bytes_b64"] is { } b64 ? SaveBytes(_directory, Convert.FromBase64String((string)b64!)) : null;
                    _violations.Add($"[{(string?)log["mode"]} {(string?)v["simulator"]}] {(string?)v["kind"]}: {(string?)v["detail"]} in {(string?)v["registry"]} at {(string?)v["at"]}{(raw is null ? string.Empty : $" (bytes: {raw})")}");
                }
            }
        }

        /// <summary>Checks again and again until every invariant holds or the settle deadline passes; what still fails then is a violation.</summary>
        /// <returns>How long the controller took to settle (or the deadline, when it did not).</returns>
        public async Task<TimeSpan> SettleAsync(Expectations expected, CancellationToken cancellationToken)
        {
            var settle = Stopwatch.StartNew();
            IReadOnlyList<string> final;
            while (true)
            {
                final = await CheckAsync(expected, Before, _taskPaths, _globalPath, _tmux, cancellationToken);
                if (final.Count == 0 || settle.Elapsed > _options.SettleDeadline)
                {
                    break;
                }

                await Task.Delay(200, cancellationToken);
            }

            _violations.AddRange(final.Select(f => "after settling: " + f));
            return settle.Elapsed;
        }

        /// <summary>The report; a run with violations keeps its directory for a look.</summary>
        public ConcurrencyReport Report(List<JsonObject> logs, Expectations expected, TimeSpan duration, TimeSpan settleTime)
        {
            var byKind = Kinds.ToDictionary(k => k, k => logs.Sum(l => (long)l["stats"]![k]!));
            _keep = _violations.Count > 0;
            return new ConcurrencyReport(
                logs.Sum(l => (int)l["stats"]!["ops"]!),
                byKind,
                duration,
                settleTime,
                Controller.Status.Reconciles,
                Controller.Status.Writes,
                logs.Sum(l => (long)l["stats"]!["lock_waits"]!),
                logs.Sum(l => (double)l["stats"]!["lock_wait_seconds"]!),
                logs.Sum(l => (long)l["stats"]!["controller_terminated_first"]!),
                logs.Sum(l => (long)l["stats"]!["careless_read_retries"]!),
                expected.Crashed,
                _violations,
                _keep ? _directory : null);
        }

        public async ValueTask DisposeAsync()
        {
            if (_controller is not null)
            {
                await _controller.DisposeAsync();
            }

            await _tmux.KillServerAsync();
            if (!_keep)
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }

    /// <summary>One pass over the workspace, collecting every invariant it breaks.</summary>
    private sealed class Inspection(Expectations expected, Baseline before)
    {
        public List<string> Problems { get; } = [];

        /// <returns>How many of the task's agents are active, or null when its registry does not parse.</returns>
        public int? CheckTask(string path)
        {
            var task = Path.GetFileName(Path.GetDirectoryName(path))!;
            JsonObject registry;
            try
            {
                registry = Read(path);
            }
            catch (JsonException ex)
            {
                Problems.Add($"{task}: does not parse: {ex.Message}");
                return null;
            }

            var agents = registry["agents"]!.AsArray().Select(a => a!.AsObject()).ToList();
            CheckTaskIds(task, path, agents);
            var active = agents.Count(a => IsActive((string?)a["status"]));
            CheckTaskCounters(task, path, registry, active);
            foreach (var agent in agents)
            {
                CheckTaskAgent(task, agent);
            }

            return active;
        }

        public void CheckGlobalAgents(JsonObject global)
        {
            var globalAgents = global["agents"]!.AsObject();
            var wantedGlobal = before.GlobalIds.Concat(expected.Agents.Where(kv => kv.Value.Careful).Select(kv => kv.Key)).ToHashSet(StringComparer.Ordinal);
            foreach (var missing in wantedGlobal.Where(id => !globalAgents.ContainsKey(id)))
            {
                Problems.Add($"global: agent {missing} lost");
            }

            foreach (var (id, e) in expected.Agents.Where(kv => kv.Value.Careful))
            {
                if (globalAgents[id] is JsonObject entry)
                {
                    var status = (string?)entry["status"];
                    var mirrored = e.Fate switch
                    {
                        "alive" => status is null || IsActive(status),
                        "completed" => status == "completed",
                        "terminated" or "crashed" => status == "terminated",
                        _ => true,
                    };
                    if (!mirrored)
                    {
                        Problems.Add($"global: {id} ({e.Fate}) reads {status ?? "(no status)"}");
                    }
                }
            }
        }

        /// <param name="totalActive">The task registries' active agents, or null when one of them did not parse (then active_agents cannot be judged).</param>
        public void CheckGlobalCounters(JsonObject global, int? totalActive)
        {
            if (totalActive is { } active && (long)global["active_agents"]! != active)
            {
                Problems.Add($"global: active_agents {global["active_agents"]} but {active} agents are active");
            }

            var spawnedGlobal = before.GlobalSpawned + expected.Agents.Count(kv => kv.Value.Careful);
            if ((long)global["total_agents_spawned"]! != spawnedGlobal)
            {
                Problems.Add($"global: total_agents_spawned {global["total_agents_spawned"]}, the simulators spawned {spawnedGlobal} in all");
            }
        }

        public async Task CheckSessionsAsync(PrivateTmuxServer tmux, CancellationToken cancellationToken)
        {
            var sessions = (await tmux.ListSessionsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            var wantedSessions = before.Sessions.Concat(expected.AliveSessions).ToHashSet(StringComparer.Ordinal);
            if (!sessions.SetEquals(wantedSessions))
            {
                Problems.Add($"tmux: {sessions.Except(wantedSessions).Count()} unexpected sessions, {wantedSessions.Except(sessions).Count()} missing (the controller never kills a session here)");
            }
        }

        private void CheckTaskIds(string task, string path, List<JsonObject> agents)
        {
            var ids = agents.Select(a => (string)a["id"]!).ToList();
            if (ids.Count != ids.Distinct(StringComparer.Ordinal).Count())
            {
                Problems.Add($"{task}: duplicate agent ids");
            }

            var wanted = before.Ids[path].Concat(expected.SpawnedInto(path)).ToHashSet(StringComparer.Ordinal);
            foreach (var missing in wanted.Except(ids, StringComparer.Ordinal))
            {
                Problems.Add($"{task}: agent {missing} lost");
            }

            foreach (var extra in ids.Except(wanted, StringComparer.Ordinal))
            {
                Problems.Add($"{task}: agent {extra} appeared from nowhere");
            }
        }

        private void CheckTaskCounters(string task, string path, JsonObject registry, int active)
        {
            if ((long)registry["active_count"]! != active)
            {
                Problems.Add($"{task}: active_count {registry["active_count"]} but {active} agents are active");
            }

            var spawned = before.TotalSpawned[path] + expected.Spawns(path);
            if ((long)registry["total_spawned"]! != spawned)
            {
                Problems.Add($"{task}: total_spawned {registry["total_spawned"]}, the simulators spawned {spawned} in all");
            }

            var completed = before.Completed[path] + expected.Completions(path);
            if ((long)registry["completed_count"]! != completed)
            {
                Problems.Add($"{task}: completed_count {registry["completed_count"]}, the simulators completed {completed} in all");
            }
        }

        private void CheckTaskAgent(string task, JsonObject agent)
        {
            var id = (string)agent["id"]!;
            var status = (string?)agent["status"];
            if (before.LiveInitial.Contains(id) && !IsActive(status))
            {
                Problems.Add($"{task}: {id} (its session lived throughout) is {status}, reason {agent["termination_reason"]}");
            }

            if (expected.Agents.TryGetValue(id, out var e))
            {
                Problems.AddRange(e.Check(task, agent));
            }
        }
    }

    /// <summary>The workspace as the simulators found it.</summary>
    private sealed class Baseline
    {
        public Baseline(Dictionary<string, JsonObject> tasks, JsonObject global, GroundTruth truth)
        {
            Ids = tasks.ToDictionary(kv => kv.Key, kv => kv.Value["agents"]!.AsArray().Select(a => (string)a!["id"]!).ToList());
            TotalSpawned = tasks.ToDictionary(kv => kv.Key, kv => (long)kv.Value["total_spawned"]!);
            Completed = tasks.ToDictionary(kv => kv.Key, kv => (long)kv.Value["completed_count"]!);
            GlobalIds = [.. global["agents"]!.AsObject().Select(kv => kv.Key)];
            GlobalSpawned = (long)global["total_agents_spawned"]!;
            LiveInitial = truth.LiveSessions.Select(s => s["agent_".Length..]).ToHashSet(StringComparer.Ordinal);
            Sessions = [.. truth.LiveSessions, .. truth.OrphanSessions];
        }

        public Dictionary<string, List<string>> Ids { get; }

        public Dictionary<string, long> TotalSpawned { get; }

        public Dictionary<string, long> Completed { get; }

        public List<string> GlobalIds { get; }

        public long GlobalSpawned { get; }

        public HashSet<string> LiveInitial { get; }

        public List<string> Sessions { get; }
    }

    /// <summary>What the simulators say they wrote.</summary>
    private sealed class Expectations
    {
        private readonly Dictionary<string, (long Spawned, long Completed)> _counts = new(StringComparer.Ordinal);

        public Dictionary<string, ExpectedAgent> Agents { get; } = new(StringComparer.Ordinal);

        public List<string> AliveSessions { get; } = [];

        public int Crashed => Agents.Values.Count(a => a.Fate == "crashed");

        public static Expectations From(List<JsonObject> logs)
        {
            var expected = new Expectations();
            foreach (var log in logs)
            {
                var careful = (string?)log["mode"] == "careful";
                foreach (var (id, e) in log["expect"]!.AsObject())
                {
                    expected.Agents[id] = new ExpectedAgent(
                        (string)e!["registry"]!,
                        (string)e["fate"]!,
                        (string?)e["status"],
                        e["progress"]?.GetValue<long>(),
                        (string?)e["last_update"],
                        careful);
                }

                foreach (var (path, c) in log["counts"]!.AsObject())
                {
                    var (spawned, completed) = expected._counts.GetValueOrDefault(path);
                    expected._counts[path] = (spawned + (long)c!["spawned"]!, completed + (long)c["completed"]!);
                }

                expected.AliveSessions.AddRange(log["alive_sessions"]!.AsArray().Select(s => (string)s!));
            }

            return expected;
        }

        public IEnumerable<string> SpawnedInto(string path) => Agents.Where(kv => kv.Value.Registry == path).Select(kv => kv.Key);

        public long Spawns(string path) => _counts.GetValueOrDefault(path).Spawned;

        public long Completions(string path) => _counts.GetValueOrDefault(path).Completed;
    }

    private sealed record ExpectedAgent(string Registry, string Fate, string? Status, long? Progress, string? LastUpdate, bool Careful)
    {
        public IEnumerable<string> Check(string task, JsonObject agent)
        {
            var id = (string)agent["id"]!;
            var status = (string?)agent["status"];
            var reason = (string?)agent["termination_reason"];
            switch (Fate)
            {
                case "alive" when !IsActive(status):
                    yield return $"{task}: {id} is alive (its session was never killed) but reads {status}, reason {reason}";
                    break;
                case "alive" or "completed" when (long?)agent["progress"] != Progress || (string?)agent["last_update"] != LastUpdate:
                    yield return $"{task}: {id} ({Fate}) has progress {agent["progress"]} / last_update {agent["last_update"]}; the simulator last wrote {Progress} / {LastUpdate}";
                    break;
                case "completed" when status != "completed":
                    yield return $"{task}: {id} completed but reads {status}";
                    break;
                case "terminated" when status != "terminated":
                    yield return $"{task}: {id} terminated by the orchestrator but reads {status}";
                    break;
                case "crashed" when status != "terminated" || reason != ZombieReasons.SessionNotFound:
                    yield return $"{task}: {id} crashed (session killed, nobody told) but reads {status}, reason {reason}";
                    break;
                default:
                    break;
            }
        }
    }
}
