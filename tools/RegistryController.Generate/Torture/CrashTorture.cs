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
        var directory = Directory.CreateTempSubdirectory("registryctl-torture-crash-").FullName;
        var root = Path.Combine(directory, "workspace");
        var generated = WorkspaceGenerator.Generate(root, options.Tasks, options.Mix, orphans: 0, ClockReading.From(TimeProvider.System), seed: options.Seed);
        var tmux = new PrivateTmuxServer(Path.Combine(directory, "tmux"));
        var saved = Path.Combine(directory, "seen");
        Directory.CreateDirectory(saved);
        var stop = Path.Combine(directory, "stop");
        var keep = false;
        var readers = new List<PythonProcess>();
        try
        {
            await tmux.StartAsync(generated.Truth.LiveSessions, cancellationToken: cancellationToken);
            var paths = generated.TaskIds.Select(t => Path.Combine(root, t, RegistryDiscovery.TaskRegistryFileName))
                .Append(RegistryDiscovery.GlobalRegistryPath(root)).ToList();
            var original = paths.ToDictionary(p => p, LockedFile.ReadShared);
            var ids = paths.ToDictionary(p => p, p => AgentIds(original[p]));
            var inodes = paths.ToDictionary(p => p, LockedFile.Inode);
            var files = Listing(root);

            var pathsFile = Path.Combine(directory, "paths.json");
            await File.WriteAllTextAsync(pathsFile, new JsonArray([.. paths.Select(p => (JsonNode?)p)]).ToJsonString(), cancellationToken);
            var script = OrchestratorScripts.Extract(OrchestratorScripts.Reader, directory);
            foreach (var mode in new[] { "locked", "unlocked" })
            {
                readers.Add(OrchestratorScripts.Start(script, mode, pathsFile, saved, stop));
            }

            foreach (var reader in readers)
            {
                if (await reader.FirstLine.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken) != "ready")
                {
                    throw new InvalidOperationException($"a reader did not start: {reader.Stderr}");
                }
            }

            var restores = new List<(double Start, double End)>();
            void Restore()
            {
                var start = Monotonic();
                foreach (var path in paths)
                {
                    LockedFile.Restore(path, original[path]);
                }

                restores.Add((start, Monotonic()));
            }

            // Calibrate: when does an unkilled repair write its first and its last file?
            var repair = new List<(TimeSpan First, TimeSpan Last, TimeSpan Exit)>();
            for (var i = 0; i < 3; i++)
            {
                Restore();
                var started = DateTime.UtcNow;
                var errors = new StringBuilder();
                using var process = StartRepair(options, root, tmux.SocketPath, errors);
                await process.WaitForExitAsync(cancellationToken);
                var exit = DateTime.UtcNow - started;
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"an unkilled repair exited {process.ExitCode}: {errors}");
                }

                var written = paths.Select(p => File.GetLastWriteTimeUtc(p) - started).Order().ToList();
                repair.Add((written[0], written[^1], exit));
            }

            var window = (First: repair.Min(r => r.First), Last: repair.Max(r => r.Last), Exit: repair.Max(r => r.Exit));
            var writePhase = repair.Average(r => (r.Last - r.First).TotalMilliseconds);
            progress?.WriteLine($"an unkilled repair writes from {window.First.TotalMilliseconds:0} ms to {window.Last.TotalMilliseconds:0} ms after its start and exits at {window.Exit.TotalMilliseconds:0} ms; each kill lands a random 0-{writePhase + 5:0} ms after the first write is seen");

            var violations = new List<string>();
            var random = new Random(options.Seed);
            var clock = Stopwatch.StartNew();
            var sizes = paths.ToDictionary(p => p, p => original[p].LongLength);
            int finished = 0, beforeAny = 0, mid = 0, afterAll = 0, torn = 0;
            for (var kill = 0; kill < options.Kills; kill++)
            {
                Restore();
                var delay = TimeSpan.FromMilliseconds(random.NextDouble() * (writePhase + 5));
                using var process = StartRepair(options, root, tmux.SocketPath);

                // Wait, spinning, for the first write to show (a repair grows every file it writes), then
                // let the chosen delay pass: the kill lands somewhere in the write phase.
                var deadline = Stopwatch.StartNew();
                while (!process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60) && !paths.Any(p => Syscall.stat(p, out var st) == 0 && st.st_size != sizes[p]))
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
                    finished++;
                }
                else
                {
                    _ = Syscall.kill(process.Id, Signum.SIGKILL);
                }

                await process.WaitForExitAsync(cancellationToken);
                var written = 0;
                foreach (var path in paths)
                {
                    var bytes = LockedFile.ReadShared(path);
                    var name = Relative(root, path);
                    if (bytes.AsSpan().SequenceEqual(original[path]))
                    {
                        continue;
                    }

                    written++;
                    if (LockedFile.Inode(path) != inodes[path])
                    {
                        violations.Add($"kill {kill}: {name} has a new inode (it was replaced, not rewritten)");
                    }

                    List<string> now;
                    try
                    {
                        now = AgentIds(bytes);
                    }
                    catch (JsonException ex)
                    {
                        torn++;
                        var copy = Path.Combine(saved, $"torn-kill{kill:0000}-{Path.GetFileName(Path.GetDirectoryName(path))}.bin");
                        await File.WriteAllBytesAsync(copy, bytes, cancellationToken);
                        violations.Add($"kill {kill} at {delay.TotalMilliseconds:0.0} ms: {name} left unparsable ({ex.Message}; {bytes.Length} bytes, was {original[path].Length}; saved as {copy})");
                        continue;
                    }

                    if (!now.SequenceEqual(ids[path]))
                    {
                        violations.Add($"kill {kill}: {name} agents changed ({ids[path].Count} before, {now.Count} after)");
                    }
                }

                if (!Listing(root).SequenceEqual(files))
                {
                    violations.Add($"kill {kill}: the workspace has files it did not have before: {string.Join(", ", Listing(root).Except(files))}");
                    files = Listing(root);
                }

                _ = written == 0 ? beforeAny++ : written == paths.Count ? afterAll++ : mid++;
                if (progress is not null && (kill + 1) % 50 == 0)
                {
                    await progress.WriteLineAsync($"{kill + 1} kills, {torn} torn files, {violations.Count} violations");
                }
            }

            var duration = clock.Elapsed;
            await File.WriteAllTextAsync(stop, string.Empty, cancellationToken);
            var summaries = new List<JsonObject>();
            foreach (var reader in readers)
            {
                if (await reader.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken) != 0)
                {
                    violations.Add($"a reader failed: {reader.Stderr}");
                    summaries.Add(new JsonObject { ["reads"] = 0, ["failures"] = new JsonArray(), ["failure_count"] = 0 });
                    continue;
                }

                summaries.Add(JsonNode.Parse(reader.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!.AsObject());
            }

            var (locked, unlocked) = (summaries[0], summaries[1]);
            foreach (var failure in locked["failures"]!.AsArray())
            {
                violations.Add($"the locked reader saw invalid JSON in {Relative(root, (string)failure!["path"]!)}: {failure["error"]} ({failure["length"]} bytes{(failure["saved"] is { } s ? $", saved as {Path.Combine(saved, (string)s!)}" : string.Empty)})");
            }

            var unlockedFailures = unlocked["failures"]!.AsArray().Select(f => f!).ToList();
            var duringRestores = unlockedFailures.Count(f => restores.Any(r => (double)f["monotonic"]! >= r.Start && (double)f["monotonic"]! <= r.End));
            var observations = unlockedFailures
                .Where(f => !restores.Any(r => (double)f["monotonic"]! >= r.Start && (double)f["monotonic"]! <= r.End))
                .Select(f => $"{Relative(root, (string)f["path"]!)}: {f["error"]} ({f["length"]} bytes{(f["saved"] is { } s ? $", saved as {Path.Combine(saved, (string)s!)}" : string.Empty)})")
                .ToList();

            // Afterwards a repair that nobody kills must leave a healthy workspace.
            using (var last = StartRepair(options, root, tmux.SocketPath))
            {
                await last.WaitForExitAsync(cancellationToken);
                if (last.ExitCode != 0)
                {
                    violations.Add($"the final unkilled repair exited {last.ExitCode}");
                }
            }

            foreach (var path in paths)
            {
                try
                {
                    if (!AgentIds(LockedFile.ReadShared(path)).SequenceEqual(ids[path]))
                    {
                        violations.Add($"at the end {Relative(root, path)} does not hold the agents it started with");
                    }
                }
                catch (JsonException ex)
                {
                    violations.Add($"at the end {Relative(root, path)} does not parse: {ex.Message}");
                }
            }

            keep = violations.Count > 0 || (int)unlocked["failure_count"]! > 0;
            return new CrashReport(
                options.Kills,
                finished,
                beforeAny,
                mid,
                afterAll,
                torn,
                (long)locked["reads"]!,
                (int)locked["failure_count"]!,
                (long)unlocked["reads"]!,
                (int)unlocked["failure_count"]!,
                duringRestores,
                duration,
                window.Exit,
                violations,
                observations,
                keep ? directory : null);
        }
        finally
        {
            if (!File.Exists(stop))
            {
                await File.WriteAllTextAsync(stop, string.Empty, CancellationToken.None);
            }

            foreach (var reader in readers)
            {
                reader.Dispose();
            }

            await tmux.KillServerAsync();
            if (!keep)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
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
}
