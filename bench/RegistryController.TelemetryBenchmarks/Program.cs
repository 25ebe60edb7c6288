using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace RegistryController.TelemetryBenchmarks;

/// <summary>
/// BenchmarkDotNet:  dotnet run -c Release --project bench/RegistryController.TelemetryBenchmarks -- --filter '*'
/// Paired (ABBA):    dotnet run -c Release --project bench/RegistryController.TelemetryBenchmarks -- paired [rounds] [reconciles per block] [task registries]
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "paired")
        {
            await PairedRun.RunAsync(
                args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 300,
                args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 2);
            return;
        }

        // In-process: no generated project (so no second build), and the traced cases export to a
        // receiver in this same process, as the controller would to a node-local collector.
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(10).WithIterationCount(30))
            .AddColumn(StatisticColumn.Median)
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
