using System.CommandLine;
using RegistryController.Tools.Torture;

namespace RegistryController.Tools;

/// <summary>
/// The development tool: by default it generates a workspace with a private tmux server (see
/// <see cref="GenerateCommand"/>); its subcommands run the long torture suites.
/// </summary>
public static class ToolCommand
{
    public static RootCommand Create()
    {
        var root = GenerateCommand.Create();
        root.Subcommands.Add(ConcurrencyTortureCommand.Create());
        root.Subcommands.Add(CrashTortureCommand.Create());
        root.Subcommands.Add(SqliteCrashTortureCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            // On Ctrl-C or SIGTERM the suites stop their python3 processes and their tmux server first.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
        };
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await configuration.Error.WriteLineAsync($"generate: {problem.Message}");
            }

            return 2;
        }

        return await parse.InvokeAsync(configuration, cancellationToken);
    }
}
