using System.CommandLine;

namespace Registryctl.Commands;

/// <summary>The command tree, and one entry point that maps usage errors to exit code 2.</summary>
internal static class RegistryctlCommand
{
    public static RootCommand Create() => new("registryctl: keeps tmux agent registries true to what tmux is really running")
    {
        PassCommands.Health(),
        PassCommands.Repair(),
        RunCommand.Create(),
        DemoCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            // `run` shuts down within Controller:ShutdownTimeout (10 s by default); give it room
            // before System.CommandLine gives up on a signalled process.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
        };
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // Usage errors are exit 2 for every command (System.CommandLine's default is 1, which
            // health reserves for "discrepancies found").
            foreach (var problem in parse.Errors)
            {
                await configuration.Error.WriteLineAsync($"registryctl: {problem.Message}");
            }

            await configuration.Error.WriteLineAsync("Try 'registryctl --help'.");
            return ExitCodes.CannotRun;
        }

        return await parse.InvokeAsync(configuration, cancellationToken);
    }
}
