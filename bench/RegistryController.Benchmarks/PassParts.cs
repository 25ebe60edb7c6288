using System.Diagnostics;
using RegistryController.Judgement;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Benchmarks;

/// <summary>
/// Where a health pass spends its time, part by part, with a stopwatch and the process's CPU clock (a minute, not
/// BenchmarkDotNet's quarter of an hour): each part timed <c>count</c> times on the same workspace, medians printed.
/// </summary>
internal static class PassParts
{
    public static async Task<int> RunAsync(int count)
    {
        await using var workspace = await BenchWorkspace.CreateAsync();
        var options = new ReconcileOptions();
        var tmux = new TmuxCliViewSource(workspace.Tmux);
        var reader = new WorkspaceReader(PassChecks.Store(), options);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var snapshot = await reader.ReadAsync(workspace.Root, null, CancellationToken.None);
        var heapKept = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        var view = await tmux.GetViewAsync(CancellationToken.None);
        var clock = ClockReading.From(TimeProvider.System);
        var locations = RegistryDiscovery.Discover(workspace.Root);
        var files = locations.Select(l => (Bytes: File.ReadAllBytes(l.Path), Location: l)).ToArray();
        var probed = AgentEvidenceProbe.Probe(snapshot, view, clock, options, ProcProcessTable.Instance);
        Console.WriteLine($"// {files.Length} registries, {files.Sum(f => (long)f.Bytes.Length) / 1024} KiB; {count} runs of each part; medians");
        Console.WriteLine($"// the snapshot of {snapshot.Registries.Sum(r => r.Model?.Agents.Length ?? 0)} agent entries keeps {heapKept / 1024.0 / 1024.0:0.0} MiB of managed heap");

        await TimeAsync("tmux: one list-panes -a", count, () => tmux.GetViewAsync(CancellationToken.None));
        await TimeAsync("discover the registries", count, () => Task.FromResult(RegistryDiscovery.Discover(workspace.Root)));
        await TimeAsync("read: lock, bytes, parse, activity (the pass's reader)", count, () => reader.ReadAsync(workspace.Root, null, CancellationToken.None));
        await TimeAsync("bytes only: File.ReadAllBytes of every registry", count, () => Task.FromResult(locations.Sum(l => (long)File.ReadAllBytes(l.Path).Length)));
        await TimeAsync("store reads one by one (lock, bytes, parse)", count, async () =>
        {
            var store = PassChecks.Store();
            var agents = 0;
            foreach (var location in locations)
            {
                agents += (await store.ReadAsync(location, CancellationToken.None)).Model!.Agents.Length;
            }

            return agents;
        });
        await TimeAsync("parse all, in memory (fast read)", count, () => Task.FromResult(files.Sum(f => RegistryParser.Parse(f.Bytes, f.Location.Path, f.Location.Kind).Agents.Length)));
        await TimeAsync("parse all, in memory (thorough parse)", count, () => Task.FromResult(files.Sum(f => RegistryParser.ParseThoroughly(f.Bytes, f.Location.Path, f.Location.Kind).Agents.Length)));
        await TimeAsync("activity probe (stat of active agents' files)", count, () => Task.FromResult(snapshot.Registries.Select(r => AgentActivityProbe.Probe(r, workspace.Root, options)).Count()));
        await TimeAsync("evidence and process probe", count, () => Task.FromResult(AgentEvidenceProbe.Probe(snapshot, view, clock, options, ProcProcessTable.Instance)));
        await TimeAsync("judge", count, () => Task.FromResult(Reconciler.Judge(probed, view, clock, options, ReconcileScope.Everything)));
        return 0;
    }

    private static async Task TimeAsync<T>(string part, int count, Func<Task<T>> run)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        var allocated = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (var i = 0; i < count + 1; i++)
        {
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var stopwatch = Stopwatch.StartNew();
            await run();
            self.Refresh();
            if (i > 0)
            {
                // The first run warms up (JIT, caches) and is not counted.
                wall.Add(stopwatch.Elapsed.TotalMilliseconds);
                cpu.Add((self.TotalProcessorTime - cpuBefore).TotalMilliseconds);
                // What a part allocates is what the collector must clear and, for what survives, copy.
                allocated.Add((GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1024.0 / 1024.0);
            }
        }

        wall.Sort();
        cpu.Sort();
        allocated.Sort();
        Console.WriteLine($"{part,-58} {wall[wall.Count / 2],8:0.0} ms wall {cpu[cpu.Count / 2],8:0.0} ms CPU {allocated[allocated.Count / 2],7:0.0} MiB allocated");
    }
}
