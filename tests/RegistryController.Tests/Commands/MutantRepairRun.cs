using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mono.Unix.Native;
using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Commands;

/// <summary>What one <c>repair</c> did with one mutant among good registries.</summary>
public sealed record MutantObservation(
    Mutant Mutant,
    string Path,
    PythonVerdict? Python,
    string? OurProblem,
    string? ParserCrash,
    CliResult Result,
    JsonElement? Entry,
    bool Unchanged,
    IReadOnlyList<string> GoodProblems,
    TimeSpan Duration)
{
    public bool PythonRejects => Python is { Json: false };

    public bool WeReject => OurProblem is not null || ParserCrash is not null;

    public bool Written => Entry is { } e && e.GetProperty("written").GetBoolean();

    public string? Error => Entry is { } e ? e.GetProperty("error").GetString() : null;
}

/// <summary>
/// Runs a real <c>registryctl repair</c> (in-process) once per mutant: a workspace of three
/// generated task registries, the orchestrator's real task registry and a global registry, all
/// with zombies, on a private tmux server; one of them replaced by the mutant. Every test of
/// <see cref="MutantRegistryTests"/> asserts one invariant over the same run.
/// </summary>
/// <remarks>
/// <c>TORTURE_MUTANTS</c> sets the number of mutants (default: one per operation and planted kind
/// plus <see cref="ShortExtra"/>); <c>TORTURE_SEED</c> the seed (default <see cref="DefaultSeed"/>,
/// or a random one when TORTURE_MUTANTS is set); <c>TORTURE_REPORT</c> a file for the figures.
/// </remarks>
public sealed class MutantRepairRun : IAsyncLifetime, IDisposable
{
    public const int DefaultSeed = 20251017;
    public const int ShortExtra = 5;
    private const string FixtureZombie = "jsonl_architecture_planner-215640-c3f469";

    private readonly TempDirectory _temp = new();
    private readonly List<MutantObservation> _observations = [];
    private TmuxTestServer? _tmux;

    public int Seed { get; private set; }

    public IReadOnlyList<MutantObservation> Observations => _observations;

    public IReadOnlyList<string> OperationNames { get; private set; } = [];

    public IReadOnlyList<string> WrittenProblems { get; private set; } = [];

    /// <summary>Where the mutants stay for a person to look at (kept when a test fails).</summary>
    public string MutantsDirectory => _temp.Combine("mutants");

    public TimeSpan Elapsed { get; private set; }

    public string Describe(MutantObservation o) =>
        $"{o.Mutant} [seed {Seed}; bytes in {Path.Combine(KeptDirectory, RegistryMutator.FileName(o.Mutant.Number))}]";

    /// <summary>A failing run's mutants are copied here so that they outlive the temp directory.</summary>
    public string KeptDirectory => Path.Combine(Path.GetTempPath(), $"registryctl-mutants-{Seed}");

    public async Task InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var requested = Environment.GetEnvironmentVariable("TORTURE_MUTANTS");
        Seed = int.TryParse(Environment.GetEnvironmentVariable("TORTURE_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : requested is null ? DefaultSeed : Random.Shared.Next();

        // The template: 3 generated tasks (2 live, 1 zombie, 1 completed each), the real fixture task (1 zombie), a generated global.
        var clock = ClockReading.From(TimeProvider.System);
        var root = _temp.Combine("workspace");
        var generated = WorkspaceGenerator.Generate(root, tasks: 3, new AgentMix(Live: 2, Zombie: 1, Completed: 1), orphans: 0, clock, seed: 7);
        FixtureFiles.CopyToWorkspace(_temp.Combine("fixture"));
        var fixtureTaskPath = Path.Combine(root, FixtureFiles.TaskId, RegistryDiscovery.TaskRegistryFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(fixtureTaskPath)!);
        File.Copy(FixtureFiles.TaskRegistry, fixtureTaskPath);
        _tmux = await TmuxTestServer.StartAsync(generated.Truth.LiveSessions);

        var slots = new Dictionary<string, (string Path, RegistryKind Kind)>(StringComparer.Ordinal)
        {
            ["fixture-task"] = (fixtureTaskPath, RegistryKind.Task),
            ["fixture-global"] = (RegistryDiscovery.GlobalRegistryPath(root), RegistryKind.Global),
            ["generated-task"] = (Path.Combine(root, generated.TaskIds[0], RegistryDiscovery.TaskRegistryFileName), RegistryKind.Task),
            ["generated-global"] = (RegistryDiscovery.GlobalRegistryPath(root), RegistryKind.Global),
        };
        var template = Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).ToDictionary(p => p, File.ReadAllBytes, StringComparer.Ordinal);
        var sources = new List<(string, RegistryKind, byte[])>
        {
            ("fixture-task", RegistryKind.Task, File.ReadAllBytes(FixtureFiles.TaskRegistry)),
            ("fixture-global", RegistryKind.Global, File.ReadAllBytes(FixtureFiles.GlobalRegistry)),
            ("generated-task", RegistryKind.Task, template[slots["generated-task"].Path]),
            ("generated-global", RegistryKind.Global, template[slots["generated-global"].Path]),
        };
        var future = (clock with { Now = clock.Now.AddDays(2) }).NowAsPythonIsoformat();
        var mutator = new RegistryMutator(Seed, sources, () => future);
        OperationNames = mutator.OperationNames;
        var count = int.TryParse(requested, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : OperationNames.Count + 5 + ShortExtra;
        var mutants = Enumerable.Range(0, count).Select(mutator.Next).ToList();

        Directory.CreateDirectory(MutantsDirectory);
        foreach (var mutant in mutants)
        {
            await File.WriteAllBytesAsync(Path.Combine(MutantsDirectory, RegistryMutator.FileName(mutant.Number)), mutant.Bytes);
        }

        var python = await ClassifyAsync(mutants, generated.Truth);
        var written = new JsonArray();
        foreach (var mutant in mutants)
        {
            var (path, kind) = slots[mutant.Source];
            Restore(template);
            Plant(path, mutant);
            var observation = await RepairAsync(mutant, path, kind, python.GetValueOrDefault(mutant.Number), root);
            var good = CheckGood(root, generated, slots, mutant, template);
            _observations.Add(observation with { GoodProblems = good });
            if (observation.Written && observation.Python is { Json: true, Valid: true })
            {
                written.Add(await KeepWrittenAsync(mutant, path, kind, observation.Python, root));
            }
        }

        WrittenProblems = written.Count == 0 ? [] : await CheckWrittenAsync(written);
        Elapsed = stopwatch.Elapsed;
        await WriteReportAsync();
    }

    public async Task DisposeAsync()
    {
        if (_tmux is not null)
        {
            await _tmux.DisposeAsync();
        }

        Dispose();
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>Keeps the mutants of a failing run (called by a test before it fails).</summary>
    public void Keep()
    {
        if (!Directory.Exists(KeptDirectory))
        {
            Directory.CreateDirectory(KeptDirectory);
            foreach (var file in Directory.EnumerateFiles(MutantsDirectory))
            {
                File.Copy(file, Path.Combine(KeptDirectory, Path.GetFileName(file)), overwrite: true);
            }
        }
    }

    private async Task<IReadOnlyDictionary<int, PythonVerdict>> ClassifyAsync(List<Mutant> mutants, GroundTruth truth)
    {
        var manifest = new JsonObject
        {
            ["live"] = new JsonArray([.. truth.LiveSessions.Select(s => (JsonNode?)s)]),
            ["active"] = new JsonArray("running", "working", "blocked", "reviewing"),
            ["grace_seconds"] = 30,
            ["items"] = new JsonArray([.. mutants.Where(m => m.Planted == PlantedKind.None).Select(m => (JsonNode?)new JsonObject
            {
                ["number"] = m.Number,
                ["path"] = Path.Combine(MutantsDirectory, RegistryMutator.FileName(m.Number)),
                ["kind"] = m.Kind == RegistryKind.Task ? "task" : "global",
            })]),
        };
        var manifestPath = _temp.Combine("classify.json");
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());
        return await PythonRegistryOracle.ClassifyAsync(manifestPath);
    }

    private async Task<MutantObservation> RepairAsync(Mutant mutant, string path, RegistryKind kind, PythonVerdict? python, string root)
    {
        string? ours = null;
        string? crash = null;
        if (mutant.Planted == PlantedKind.None)
        {
            try
            {
                RegistryParser.Parse(mutant.Bytes, path, kind);
            }
            catch (RegistryFormatException ex)
            {
                ours = ex.Problem;
            }
#pragma warning disable CA1031 // Any other exception is the finding itself.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                crash = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        var stopwatch = Stopwatch.StartNew();
        var result = await RegistryctlInProcess.RunAsync("repair", "--json", "--force", "--workspace", root, "--tmux-socket", _tmux!.SocketPath);
        var duration = stopwatch.Elapsed;
        JsonElement? entry = null;
        try
        {
            entry = result.Report().GetProperty("registries").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(r => r!.Value.GetProperty("path").GetString() == path);
        }
        catch (JsonException)
        {
            // No report: the crash invariant reports it.
        }

        var unchanged = mutant.Planted != PlantedKind.None || (File.Exists(path) && (await File.ReadAllBytesAsync(path)).AsSpan().SequenceEqual(mutant.Bytes));
        return new MutantObservation(mutant, path, python, ours, crash, result, entry, unchanged, [], duration);
    }

    /// <summary>The registries beside the mutant: zombies terminated, every other agent as it was.</summary>
    private static List<string> CheckGood(string root, GeneratedWorkspace generated, Dictionary<string, (string Path, RegistryKind Kind)> slots, Mutant mutant, Dictionary<string, byte[]> template)
    {
        var problems = new List<string>();
        var mutatedPath = slots[mutant.Source].Path;
        var zombies = generated.Truth.Zombies.Select(z => z.AgentId).Append(FixtureZombie).ToHashSet(StringComparer.Ordinal);
        var goodTasks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, bytes) in template)
        {
            if (path == mutatedPath || Path.GetFileName(path) != RegistryDiscovery.TaskRegistryFileName)
            {
                continue;
            }

            var before = JsonNode.Parse(bytes)!;
            goodTasks.Add((string)before["task_id"]!);
            var after = JsonNode.Parse(File.ReadAllBytes(path))!;
            var beforeAgents = before["agents"]!.AsArray();
            var afterAgents = after["agents"]!.AsArray();
            for (var i = 0; i < beforeAgents.Count; i++)
            {
                var id = (string)beforeAgents[i]!["id"]!;
                var expected = zombies.Contains(id) ? "terminated" : (string?)beforeAgents[i]!["status"];
                if ((string?)afterAgents[i]!["status"] != expected)
                {
                    problems.Add($"{path}: agent {id} is {(string?)afterAgents[i]!["status"]}, expected {expected}");
                }
            }
        }

        var globalPath = RegistryDiscovery.GlobalRegistryPath(root);
        if (globalPath != mutatedPath)
        {
            var before = JsonNode.Parse(template[globalPath])!["agents"]!.AsObject();
            var after = JsonNode.Parse(File.ReadAllBytes(globalPath))!["agents"]!.AsObject();
            foreach (var (id, entry) in before)
            {
                if (!goodTasks.Contains((string)entry!["task_id"]!))
                {
                    continue;
                }

                var expected = zombies.Contains(id) ? "terminated" : (string?)entry["status"];
                if ((string?)after[id]!["status"] != expected)
                {
                    problems.Add($"{globalPath}: global agent {id} is {(string?)after[id]!["status"]}, expected {expected}");
                }
            }
        }

        return problems;
    }

    private async Task<JsonObject> KeepWrittenAsync(Mutant mutant, string path, RegistryKind kind, PythonVerdict python, string root)
    {
        var directory = _temp.Combine("written", mutant.Number.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        var after = Path.Combine(directory, "after.json");
        File.Copy(path, after);
        var statuses = new JsonObject();
        if (kind == RegistryKind.Global)
        {
            // What the task registries say now, which the global entries must mirror.
            foreach (var task in RegistryDiscovery.Discover(root).Where(l => l.Kind == RegistryKind.Task))
            {
                try
                {
                    foreach (var agent in JsonNode.Parse(await File.ReadAllBytesAsync(task.Path))!["agents"]!.AsArray())
                    {
                        statuses[(string)agent!["id"]!] = (string?)agent["status"];
                    }
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException or IOException)
                {
                    // A task registry that is itself unreadable mirrors nothing.
                }
            }
        }

        return new JsonObject
        {
            ["number"] = mutant.Number,
            ["kind"] = kind == RegistryKind.Task ? "task" : "global",
            ["before"] = Path.Combine(MutantsDirectory, RegistryMutator.FileName(mutant.Number)),
            ["after"] = after,
            ["zombies"] = new JsonArray([.. python.Zombies.Select(z => (JsonNode?)z)]),
            ["maybe"] = new JsonArray([.. python.Maybe.Select(z => (JsonNode?)z)]),
            ["task_statuses"] = statuses,
        };
    }

    private async Task<IReadOnlyList<string>> CheckWrittenAsync(JsonArray items)
    {
        var manifest = new JsonObject
        {
            ["active"] = new JsonArray("running", "working", "blocked", "reviewing"),
            ["items"] = items,
        };
        var manifestPath = _temp.Combine("written.json");
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());
        return await PythonRegistryOracle.CheckWrittenAsync(manifestPath);
    }

    private static void Restore(Dictionary<string, byte[]> template)
    {
        foreach (var (path, bytes) in template)
        {
            Clear(path);
            File.WriteAllBytes(path, bytes);
        }
    }

    private static void Clear(string path)
    {
        foreach (var candidate in new[] { path, path + ".other" })
        {
            var info = new FileInfo(candidate);
            if (info.LinkTarget is not null || info.Exists)
            {
                info.Delete();
            }
            else if (Directory.Exists(candidate))
            {
                Directory.Delete(candidate, recursive: true);
            }
        }
    }

    private static void Plant(string path, Mutant mutant)
    {
        Clear(path);
        switch (mutant.Planted)
        {
            case PlantedKind.None:
                File.WriteAllBytes(path, mutant.Bytes);
                break;
            case PlantedKind.Directory:
                Directory.CreateDirectory(path);
                File.WriteAllText(Path.Combine(path, "inside.json"), "{}");
                break;
            case PlantedKind.Fifo:
                if (Syscall.mkfifo(path, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR) != 0)
                {
                    throw new IOException($"mkfifo {path}: {Stdlib.GetLastError()}");
                }

                break;
            case PlantedKind.SelfLink:
                File.CreateSymbolicLink(path, Path.GetFileName(path));
                break;
            case PlantedKind.LinkLoop:
                File.CreateSymbolicLink(path, Path.GetFileName(path) + ".other");
                File.CreateSymbolicLink(path + ".other", Path.GetFileName(path));
                break;
            case PlantedKind.DanglingLink:
                File.CreateSymbolicLink(path, "no-such-registry.json");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mutant));
        }
    }

    private async Task WriteReportAsync()
    {
        var o = _observations;
        var byOperation = o.SelectMany(x => x.Mutant.Operations.Split(" + ")).GroupBy(x => x, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}={g.Count()}");
        var quirks = o.Where(x => x.Python is { Json: true } && x.WeReject).SelectMany(x => x.Python!.Quirks).GroupBy(x => x, StringComparer.Ordinal)
            .Select(g => $"{g.Key}={g.Count()}");
        var durations = o.Select(x => x.Duration.TotalMilliseconds).Order().ToList();
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"seed {Seed}; {o.Count} mutants in {Elapsed.TotalSeconds:0.0} s")
            .AppendLine(CultureInfo.InvariantCulture, $"planted (not a file): {o.Count(x => x.Mutant.Planted != PlantedKind.None)}")
            .AppendLine(CultureInfo.InvariantCulture, $"python rejects: {o.Count(x => x.PythonRejects)}; our parser rejects: {o.Count(x => x.WeReject && x.Mutant.Planted == PlantedKind.None)}")
            .AppendLine(CultureInfo.InvariantCulture, $"both accept: {o.Count(x => x.Python is { Json: true } && !x.WeReject)} (valid registries: {o.Count(x => x.Python is { Json: true, Valid: true } && !x.WeReject)}; with zombies: {o.Count(x => x.Python is { Json: true, Valid: true } && !x.WeReject && x.Python.Zombies.Count > 0)}; written: {o.Count(x => x.Written)})")
            .AppendLine(CultureInfo.InvariantCulture, $"python accepts, we refuse (quirks): {o.Count(x => x.Python is { Json: true } && x.WeReject)} ({string.Join(", ", quirks)})")
            .AppendLine(CultureInfo.InvariantCulture, $"repair duration ms: median {Percentile(durations, 0.5):0}, p95 {Percentile(durations, 0.95):0}, max {durations.LastOrDefault():0}")
            .AppendLine(CultureInfo.InvariantCulture, $"operations: {string.Join(", ", byOperation)}")
            .ToString();
        Summary = text;
        if (Environment.GetEnvironmentVariable("TORTURE_REPORT") is { Length: > 0 } report)
        {
            await File.WriteAllTextAsync(report, text);
        }
    }

    public string Summary { get; private set; } = string.Empty;

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
}
