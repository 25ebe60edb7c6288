using System.CommandLine;
using RegistryController.Cli.Commands;

var root = new RootCommand("registryctl: keeps tmux agent registries true to what tmux is really running")
{
    PassCommands.Health(),
    PassCommands.Repair(),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // Usage errors are exit 2 for every command (System.CommandLine's default is 1, which our
    // commands reserve for "discrepancies found").
    foreach (var error in parse.Errors)
    {
        await Console.Error.WriteLineAsync($"registryctl: {error.Message}");
    }

    await Console.Error.WriteLineAsync("Try 'registryctl --help'.");
    return ExitCodes.CannotRun;
}

return await parse.InvokeAsync();
