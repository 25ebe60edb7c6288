using System.Diagnostics;
using System.Globalization;
using System.Net;
using RegistryController.Generation;
using RegistryController.Testing;

// Usage: dotnet run -c Release --project bench/Footprint -- <path/to/published/registryctl> [runs] [tasks]
// A workspace of <tasks> task registries (+ the global one) written by WorkspaceGenerator, a private
// tmux server on its own -S socket holding their live sessions, then <runs> times: start
// `registryctl run`, time it to the first /readyz 200, let it scan for 20 s, read VmRSS (and VmHWM)
// from /proc, stop it with SIGTERM. Prints each run and the medians.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Footprint <registryctl> [runs=5] [tasks=100]");
    return 2;
}

var binary = Path.GetFullPath(args[0]);
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var tasks = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
await using var lab = await TmuxWorkspace.GenerateAsync(tasks, new AgentMix(Live: 2, Zombie: 0, Completed: 2));
var workspace = lab.Root;
var tmux = lab.Tmux.Server;
var registries = Directory.GetFiles(workspace, "*REGISTRY.json", SearchOption.AllDirectories).Length;
Console.WriteLine($"{registries} registries, {(await tmux.ListSessionsAsync()).Count} tmux sessions, {Environment.ProcessorCount} cores, binary {binary}");

var ready = new List<double>();
var rss = new List<double>();
var cpu = new List<double>();
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
for (var run = 1; run <= runs; run++)
{
    var port = FreePort.Next();
    var start = new ProcessStartInfo(binary)
    {
        ArgumentList = { "run", "--workspace", workspace, "--tmux-socket", tmux.SocketPath, "--listen", $"127.0.0.1:{port}" },
        RedirectStandardError = true,
        RedirectStandardOutput = true,
    };
    start.Environment["REGISTRYCTL_Controller__ScanInterval"] = "2s";
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
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
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
            Console.Error.WriteLine($"run {run}: never ready");
            process.Kill();
            return 1;
        }

        // Steady state: ten scans at 2 s.
        await Task.Delay(TimeSpan.FromSeconds(20));
        var (residentKb, peakKb) = Memory(process.Id);
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        await process.WaitForExitAsync();
        Console.WriteLine($"run {run}: ready after {readyMs:0} ms ({readyCpuMs:0} ms CPU), RSS {residentKb / 1024.0:0.0} MB (peak {peakKb / 1024.0:0.0} MB), exit {process.ExitCode}");
        ready.Add(readyMs.Value);
        cpu.Add(readyCpuMs);
        rss.Add(residentKb / 1024.0);
    }
    finally
    {
        if (!process.HasExited)
        {
            process.Kill();
        }
    }
}

Console.WriteLine($"median: ready {Median(ready):0} ms ({Median(cpu):0} ms CPU), RSS {Median(rss):0.0} MB over {runs} runs; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static (long Resident, long Peak) Memory(int pid)
{
    long Field(string[] lines, string name) => long.Parse(lines.Single(l => l.StartsWith(name, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    var status = File.ReadAllLines($"/proc/{pid}/status");
    return (Field(status, "VmRSS:"), Field(status, "VmHWM:"));
}

// utime + stime of the whole process (all threads), in clock ticks of 10 ms.
static double CpuMilliseconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
}

