using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using RegistryController.Generation;
using RegistryController.Judgement;

// Usage: dotnet run -c Release --project bench/Footprint -- <path/to/published/registryctl> [runs=5] [tasks=100] [options]
//   --mix LIVE,ZOMBIE,COMPLETED   agents per task registry (default 2,0,2)
//   --repaired                    run `registryctl repair --force` once before the runs (the issue's "once repaired")
//   --scan-interval D             Controller:ScanInterval (default 2s; "default" leaves the controller's own 10 s)
//   --idle S                      seconds after ready over which idle CPU is measured (default 20)
//   --replay N                    registry writes replayed after the idle window (default 0), at --replay-rate per second (default 200)
//   --ready-timeout S             give up on a run not ready after S seconds (default 60)
//   --tracked-files               every agent with the tracked_files the orchestrator's deploy writes, as real registries have
// A workspace of <tasks> task registries (+ the global one) written by WorkspaceGenerator, a private
// tmux server on its own -S socket holding their live sessions, then <runs> times: start
// `registryctl run`, time it to the first /readyz 200 (wall and process CPU), read VmRSS at once,
// measure its CPU over the idle window and VmRSS at its end, replay the writes (each one rewrites a task
// registry the way the orchestrator's unlocked tools do: read, change a live agent's progress and
// last_update, open('w') + json.dump(indent=2)), wait 5 s, read VmRSS again; stop it with SIGTERM.
// Prints each run and the medians.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Footprint <registryctl> [runs=5] [tasks=100] [--mix L,Z,C] [--repaired] [--scan-interval D] [--idle S] [--replay N] [--replay-rate R] [--ready-timeout S] [--tracked-files]");
    return 2;
}

var positional = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
var binary = Path.GetFullPath(positional[0]);
var runs = positional.Length > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 5;
var tasks = positional.Length > 2 ? int.Parse(positional[2], CultureInfo.InvariantCulture) : 100;
var mixParts = (Option("--mix") ?? "2,0,2").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
var mix = new AgentMix(Live: mixParts[0], Zombie: mixParts[1], Completed: mixParts[2]);
var repaired = args.Contains("--repaired");
var trackedFiles = args.Contains("--tracked-files");
var scanInterval = Option("--scan-interval") ?? "2s";
var idleSeconds = int.Parse(Option("--idle") ?? "20", CultureInfo.InvariantCulture);
var replay = int.Parse(Option("--replay") ?? "0", CultureInfo.InvariantCulture);
var replayRate = int.Parse(Option("--replay-rate") ?? "200", CultureInfo.InvariantCulture);
var readyTimeout = TimeSpan.FromSeconds(int.Parse(Option("--ready-timeout") ?? "60", CultureInfo.InvariantCulture));

var directory = Directory.CreateTempSubdirectory("registryctl-footprint-").FullName;
var workspace = Path.Combine(directory, "workspace");
await using var tmux = new PrivateTmuxServer(Path.Combine(directory, "tmux"));
try
{
    var generated = WorkspaceGenerator.Generate(workspace, tasks, mix, orphans: 0, ClockReading.From(TimeProvider.System), trackedFiles: trackedFiles);
    await tmux.StartAsync(WorkspaceGenerator.LiveAndOrphanSessions(generated.Truth));
    var registries = Directory.GetFiles(workspace, "*REGISTRY.json", SearchOption.AllDirectories);
    var taskRegistries = registries.Where(r => r.EndsWith("AGENT_REGISTRY.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
    Console.WriteLine($"{registries.Length} registries ({registries.Sum(r => new FileInfo(r).Length) / 1e6:0.0} MB), {mix.Total} agents each (live {mix.Live}, zombie {mix.Zombie}, completed {mix.Completed}), "
        + $"{(await tmux.ListSessionsAsync()).Count} tmux sessions, {Environment.ProcessorCount} cores, binary {binary}");
    if (repaired)
    {
        var repair = Process.Start(new ProcessStartInfo(binary) { ArgumentList = { "repair", "--force", "--workspace", workspace, "--tmux-socket", tmux.SocketPath }, RedirectStandardOutput = true })!;
        await repair.StandardOutput.ReadToEndAsync();
        await repair.WaitForExitAsync();
        Console.WriteLine($"repair --force exited {repair.ExitCode}");
    }

    var ready = new List<double>();
    var readyCpu = new List<double>();
    var rssReady = new List<double>();
    var rssIdle = new List<double>();
    var idleCpu = new List<double>();
    var rssReplayed = new List<double>();
    var replayCpu = new List<double>();
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    for (var run = 1; run <= runs; run++)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "run", "--workspace", workspace, "--tmux-socket", tmux.SocketPath, "--listen", $"127.0.0.1:{port}" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        if (scanInterval != "default")
        {
            start.Environment["REGISTRYCTL_Controller__ScanInterval"] = scanInterval;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        try
        {
            process.ErrorDataReceived += (_, _) => { };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            double? readyMs = null;
            double readyCpuMs = 0;
            while (clock.Elapsed < readyTimeout && !process.HasExited)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        readyMs = clock.Elapsed.TotalMilliseconds;
                        readyCpuMs = CpuMilliseconds(process.Id);
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet, or too slow to answer on a loaded machine: ask again.
                }

                await Task.Delay(2);
            }

            if (readyMs is null)
            {
                Console.Error.WriteLine($"run {run}: not ready after {readyTimeout.TotalSeconds:0} s");
                process.Kill();
                return 1;
            }

            var (atReadyKb, _, _, _) = Memory(process.Id);
            var idleStart = (Cpu: CpuMilliseconds(process.Id), Clock: clock.Elapsed.TotalMilliseconds);
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
            var idlePercent = 100 * (CpuMilliseconds(process.Id) - idleStart.Cpu) / (clock.Elapsed.TotalMilliseconds - idleStart.Clock);
            var (idleKb, _, idleAnonKb, idleFileKb) = Memory(process.Id);
            var line = $"run {run}: ready after {readyMs:0} ms ({readyCpuMs:0} ms CPU), RSS {atReadyKb / 1024.0:0.0} MB at ready, {idleKb / 1024.0:0.0} MB after {idleSeconds} s idle "
                + $"({idleAnonKb / 1024.0:0.0} anonymous, {idleFileKb / 1024.0:0.0} file-backed) at {idlePercent:0.00} % CPU";
            if (replay > 0)
            {
                var before = CpuMilliseconds(process.Id);
                await ReplayAsync(taskRegistries, replay, replayRate);
                await Task.Delay(TimeSpan.FromSeconds(5));
                var (replayedKb, peakKb, _, _) = Memory(process.Id);
                var cpuMs = CpuMilliseconds(process.Id) - before;
                line += $", {replayedKb / 1024.0:0.0} MB after {replay} writes replayed ({cpuMs:0} ms CPU; peak {peakKb / 1024.0:0.0} MB)";
                rssReplayed.Add(replayedKb / 1024.0);
                replayCpu.Add(cpuMs);
            }

            Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            await process.WaitForExitAsync();
            Console.WriteLine($"{line}; exit {process.ExitCode}");
            ready.Add(readyMs.Value);
            readyCpu.Add(readyCpuMs);
            rssReady.Add(atReadyKb / 1024.0);
            rssIdle.Add(idleKb / 1024.0);
            idleCpu.Add(idlePercent);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    Console.WriteLine($"median over {runs} runs: ready {Median(ready):0} ms ({Median(readyCpu):0} ms CPU), RSS {Median(rssReady):0.0} MB at ready, "
        + $"{Median(rssIdle):0.0} MB idle, idle CPU {Median(idleCpu):0.00} %"
        + (replay > 0 ? $", {Median(rssReplayed):0.0} MB after {replay} writes ({Median(replayCpu):0} ms CPU)" : string.Empty)
        + $"; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    return 0;
}
finally
{
    await tmux.KillServerAsync();
    Directory.Delete(directory, recursive: true);
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static async Task ReplayAsync(string[] registries, int writes, int perSecond)
{
    var options = new JsonSerializerOptions { WriteIndented = true };
    var pace = Stopwatch.StartNew();
    for (var i = 0; i < writes; i++)
    {
        var path = registries[i % registries.Length];
        var registry = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        if (registry["agents"]!.AsArray().FirstOrDefault(a => (string?)a!["status"] is "running" or "working") is { } agent)
        {
            agent["progress"] = ((int?)agent["progress"] ?? 0) % 99 + 1;
            agent["last_update"] = DateTime.Now.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        }

        await File.WriteAllTextAsync(path, registry.ToJsonString(options));
        var due = TimeSpan.FromSeconds((i + 1) / (double)perSecond);
        if (due > pace.Elapsed)
        {
            await Task.Delay(due - pace.Elapsed);
        }
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

// Kilobytes: resident, its peak, and of the resident what is anonymous (heaps, stacks) and what is pages of files (the
// executable's code and data, read from it and given back to the page cache under pressure).
static (long Resident, long Peak, long Anonymous, long File) Memory(int pid)
{
    long Field(string[] lines, string name) => long.Parse(lines.Single(l => l.StartsWith(name, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    var status = File.ReadAllLines($"/proc/{pid}/status");
    return (Field(status, "VmRSS:"), Field(status, "VmHWM:"), Field(status, "RssAnon:"), Field(status, "RssFile:"));
}

// utime + stime of the whole process (all threads), in clock ticks of 10 ms.
static double CpuMilliseconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
