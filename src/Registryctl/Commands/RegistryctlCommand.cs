using System.CommandLine;
using System.Text;

namespace Registryctl.Commands;

/// <summary>The command tree, and one entry point that maps usage errors to exit code 2.</summary>
internal static class RegistryctlCommand
{
    private const string Description = "registryctl: keeps tmux agent registries true to what tmux is really running";

    /// <summary>Each command's name and description (all the root's help shows of it) and how to build the whole of it.</summary>
    private static readonly (string Name, string Description, Func<Command> Build)[] Commands =
    [
        (PassCommands.HealthName, PassCommands.HealthDescription, PassCommands.Health),
        (PassCommands.RepairName, PassCommands.RepairDescription, PassCommands.Repair),
        (RunCommand.Name, RunCommand.Description, RunCommand.Create),
        (DemoCommand.Name, DemoCommand.Description, DemoCommand.Create),
    ];

    /// <summary>The whole tree, every command with its options.</summary>
    public static RootCommand Create() => Create(all: true, chosen: null);

    /// <summary>
    /// The tree these arguments can reach: the command they name, whole, and the others as a name and a
    /// description, which is all the root's help, its usage errors and its suggestions read of them.
    /// Commands do not nest and the root takes no option with a value, so the first argument that is a
    /// command's name is the command (or, after `--`, a stray argument either way). A response file
    /// (<c>@file</c>) may name any command, and a directive (<c>[suggest:N]</c>, shell completion) carries the whole
    /// command line in one argument, so with either every command is built.
    /// </summary>
    public static RootCommand Create(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return Create(
            all: args.Any(a => a.StartsWith('@') || a.StartsWith('[')),
            chosen: args.FirstOrDefault(a => Array.Exists(Commands, c => c.Name == a)));
    }

    private static RootCommand Create(bool all, string? chosen)
    {
        var root = new RootCommand(Description);
        foreach (var (name, description, build) in Commands)
        {
            root.Subcommands.Add(all || name == chosen ? build() : new Command(name, description));
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        // Console.Out hands the terminal every 256 characters: a report of a large workspace was 5,000 writes. The
        // same stream with a larger buffer, still flushed at every write (demo prints as it goes).
        // Disposed synchronously: it is flushed at every write anyway, and the asynchronous dispose was 4 % of --help.
        using var stdout = output is null ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = true } : null;
        var configuration = new InvocationConfiguration
        {
            Output = output ?? stdout!,
            // `run` shuts down within Controller:ShutdownTimeout (10 s by default); give it room
            // before System.CommandLine gives up on a signalled process.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
        };
        if (error is not null)
        {
            // Otherwise Console.Error, set up only when something is said there.
            configuration.Error = error;
        }

        // Only what the chosen command needs is built: start-up is paid by every invocation.
        var parse = Create(args).Parse(args);
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
