using System.CommandLine;

namespace RegistryController.Tools.Torture;

/// <summary><c>torture-concurrency</c>: the long run of the concurrency torture (docs/reliability.md).</summary>
public static class ConcurrencyTortureCommand
{
    public static Command Create()
    {
        var ops = new Option<int>("--ops") { Description = "Operations in all, shared by the simulators [default: 10000]", DefaultValueFactory = _ => 10_000 };
        var careful = new Option<int>("--careful") { Description = "Locking simulators [default: 3]", DefaultValueFactory = _ => 3 };
        var careless = new Option<int>("--careless") { Description = "Unlocked simulators, each on registries of its own [default: 1]", DefaultValueFactory = _ => 1 };
        var tasks = new Option<int>("--careful-tasks") { Description = "Task registries the careful simulators share [default: 12]", DefaultValueFactory = _ => 12 };
        var seed = new Option<int>("--seed") { Description = "Random seed [default: 1]", DefaultValueFactory = _ => 1 };
        var command = new Command("torture-concurrency", "Orchestrator writers (python3, careful and careless) at a high rate while the controller runs; checks every write, every counter, and that no live agent was terminated")
        {
            ops, careful, careless, tasks, seed,
        };
        command.SetAction(async (parse, token) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var simulators = parse.GetValue(careful) + parse.GetValue(careless);
            var options = new ConcurrencyOptions
            {
                CarefulSimulators = parse.GetValue(careful),
                CarelessSimulators = parse.GetValue(careless),
                CarefulTasks = parse.GetValue(tasks),
                CarelessTasksPerSimulator = 4,
                OperationsPerSimulator = (parse.GetValue(ops) + simulators - 1) / Math.Max(1, simulators),
                Seed = parse.GetValue(seed),
            };
            await output.WriteLineAsync(Machine.Describe());
            var report = await ConcurrencyTorture.RunAsync(options, output, token);
            await output.WriteLineAsync(report.Summary());
            return report.Violations.Count == 0 ? 0 : 1;
        });
        return command;
    }
}

/// <summary><c>torture-crash</c>: the long run of the crash-safety torture (docs/reliability.md).</summary>
public static class CrashTortureCommand
{
    public static Command Create()
    {
        var kills = new Option<int>("--kills") { Description = "SIGKILLs of registryctl repair [default: 500]", DefaultValueFactory = _ => 500 };
        var tasks = new Option<int>("--tasks") { Description = "Task registries [default: 20]", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Random seed [default: 1]", DefaultValueFactory = _ => 1 };
        var command = new Command("torture-crash", "Kill registryctl repair with SIGKILL at random points of its writes while a locked and an unlocked reader poll; every file must parse and keep its agents")
        {
            kills, tasks, seed,
        };
        command.SetAction(async (parse, token) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync(Machine.Describe());
            var report = await CrashTorture.RunAsync(new CrashOptions { Kills = parse.GetValue(kills), Tasks = parse.GetValue(tasks), Seed = parse.GetValue(seed) }, output, token);
            await output.WriteLineAsync(report.Summary());
            return report.Violations.Count == 0 ? 0 : 1;
        });
        return command;
    }
}

/// <summary><c>torture-crash-sqlite</c>: the long run of the SQLite crash-safety torture (docs/reliability.md).</summary>
public static class SqliteCrashTortureCommand
{
    public static Command Create()
    {
        var kills = new Option<int>("--kills") { Description = "SIGKILLs of registryctl repair [default: 200]", DefaultValueFactory = _ => 200 };
        var tasks = new Option<int>("--tasks") { Description = "Tasks of the state database [default: 20]", DefaultValueFactory = _ => 20 };
        var zombies = new Option<int>("--zombies") { Description = "Zombies per task [default: 20]", DefaultValueFactory = _ => 20 };
        var noWriter = new Option<bool>("--no-writer") { Description = "Without the python3 orchestrator writer" };
        var seed = new Option<int>("--seed") { Description = "Random seed [default: 1]", DefaultValueFactory = _ => 1 };
        var command = new Command("torture-crash-sqlite", "Kill registryctl repair of a 2026 workspace with SIGKILL around its write transaction and its progress lines while an orchestrator writer commits; the database must stay sound, every repair whole or absent, and the next pass must leave exactly one terminal line per ended agent")
        {
            kills, tasks, zombies, noWriter, seed,
        };
        command.SetAction(async (parse, token) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync(Machine.Describe());
            var options = new SqliteCrashOptions
            {
                Kills = parse.GetValue(kills),
                Tasks = parse.GetValue(tasks),
                ZombiesPerTask = parse.GetValue(zombies),
                Writer = !parse.GetValue(noWriter),
                Seed = parse.GetValue(seed),
            };
            var report = await SqliteCrashTorture.RunAsync(options, output, token);
            await output.WriteLineAsync(report.Summary());
            return report.Violations.Count == 0 ? 0 : 1;
        });
        return command;
    }
}

/// <summary>The machine a figure was measured on.</summary>
public static class Machine
{
    public static string Describe()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim()
            : null;
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
        return $"machine: {Environment.ProcessorCount} cores ({model ?? "unknown CPU"}), Linux {kernel}, .NET {Environment.Version}";
    }
}
