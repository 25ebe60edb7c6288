using System.Diagnostics;
using System.Globalization;

namespace RegistryController.TelemetryBenchmarks;

/// <summary>
/// The same comparison made robust to a shared, busy machine: untraced and traced blocks of
/// reconciles alternate (ABBA) in one process, so a load that comes and goes hits both sides alike;
/// the per-reconcile median of each side's blocks, and their ratio, are printed: wall-clock time,
/// and the process's CPU time (which the other processes of a busy machine disturb far less; it
/// includes the exporter's thread and, to be conservative, the in-process receiver's).
/// </summary>
public static class PairedRun
{
    public static async Task RunAsync(int rounds, int perBlock, int tasks)
    {
        await using var rig = await ReconcileRig.StartAsync(tasks);
        Console.WriteLine($"// workspace of {tasks} task registries, 11 agents each");
        foreach (var (name, operation) in new (string, Func<Task>)[] { ("healthy", rig.HealthyAsync), ("repair", rig.RepairAsync) })
        {
            // Warm up both paths (JIT tiering, the exporter's HTTP connection).
            await BlockAsync(operation, perBlock);
            await rig.EnableTelemetryAsync();
            await BlockAsync(operation, perBlock);
            rig.DisableTelemetry();

            var untraced = new List<(double Wall, double Cpu)>();
            var traced = new List<(double Wall, double Cpu)>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var tracedFirst in round % 2 == 0 ? new[] { false, true } : [true, false])
                {
                    if (tracedFirst)
                    {
                        await rig.EnableTelemetryAsync();
                        traced.Add(await BlockAsync(operation, perBlock));
                        // Flushing and removing the listeners is outside the timed block.
                        rig.DisableTelemetry();
                    }
                    else
                    {
                        untraced.Add(await BlockAsync(operation, perBlock));
                    }
                }
            }

            foreach (var (measure, pick) in new (string, Func<(double Wall, double Cpu), double>)[] { ("wall", b => b.Wall), ("cpu", b => b.Cpu) })
            {
                var off = Median([.. untraced.Select(pick)]);
                var on = Median([.. traced.Select(pick)]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-8} {measure,-4} untraced median {off,8:0.0} us/reconcile   traced median {on,8:0.0} us/reconcile   ratio {on / off:0.000}   ({rounds} blocks of {perBlock} each)"));
            }
        }

        Console.WriteLine($"// OTLP sink: {rig.Sink}");
    }

    /// <summary>Wall-clock and process CPU microseconds per operation over one block.</summary>
    private static async Task<(double Wall, double Cpu)> BlockAsync(Func<Task> operation, int count)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await operation();
        }

        var wall = stopwatch.Elapsed.TotalMicroseconds / count;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalMicroseconds / count);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
