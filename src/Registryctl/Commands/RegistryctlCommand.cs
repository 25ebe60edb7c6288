using System.CommandLine;

namespace Registryctl.Commands;

/// <summary>The command tree, and one entry point that maps usage errors to exit code 2.</summary>
public static class RegistryctlCommand
{
    public static RootCommand Create() => new("registryctl: keeps tmux agent registries true to what tmux is really running")
    {
        PassCommands.Health(),
        PassCommands.Repair(),
        DemoCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error };
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
