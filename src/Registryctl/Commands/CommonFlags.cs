using System.CommandLine;
using RegistryController.Configuration;
using RegistryController.Judgement;
using RegistryController.Tmux;

namespace Registryctl.Commands;

/// <summary>
/// Flags every command that talks to tmux shares: which server, how patiently, and any setting.
/// A flag is a shortcut for one configuration key; its help shows the default of that key's options record.
/// </summary>
internal sealed class CommonFlags
{
    public Option<string?> TmuxSocket { get; } = new("--tmux-socket", "-S") { Description = "tmux server socket path (tmux -S)" };

    public Option<string?> TmuxSocketName { get; } = new("--tmux-socket-name", "-L") { Description = "tmux server socket name (tmux -L); TMUX_TMPDIR is honoured" };

    public Option<string?> TmuxTimeout { get; } = new("--tmux-timeout") { Description = $"How long tmux may take to answer [default: {Duration.Format(new TmuxOptions().Timeout)}]" };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Override any setting, e.g. --set Reconcile:Grace=45s (repeatable; see the README)",
        Arity = ArgumentArity.OneOrMore,
    };

    public static string GraceKey { get; } = OptionsRules.Key(ReconcileOptions.Section, nameof(ReconcileOptions.Grace));

    /// <summary><c>--grace</c> (<c>Reconcile:Grace</c>), the same for health, repair and run.</summary>
    public static Option<string?> Grace() => new("--grace")
    {
        Description = $"Agents younger than this (from started_at) are never zombies [default: {Duration.Format(new ReconcileOptions().Grace)}]",
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { TmuxSocket, TmuxSocketName, TmuxTimeout, Set })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The flags as configuration keys, so that they override files and environment in one place.</summary>
    public List<KeyValuePair<string, string?>> ToConfiguration(ParseResult parse, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(errors);
        var values = new List<KeyValuePair<string, string?>>();
        foreach (var assignment in parse.GetValue(Set) ?? [])
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add($"--set {assignment}: expected KEY=VALUE, e.g. Reconcile:Grace=45s");
                continue;
            }

            values.Add(new(assignment[..equals], assignment[(equals + 1)..]));
        }

        Put(values, OptionsRules.Key(TmuxOptions.Section, nameof(TmuxOptions.Socket)), parse.GetValue(TmuxSocket));
        Put(values, OptionsRules.Key(TmuxOptions.Section, nameof(TmuxOptions.SocketName)), parse.GetValue(TmuxSocketName));
        Put(values, OptionsRules.Key(TmuxOptions.Section, nameof(TmuxOptions.Timeout)), parse.GetValue(TmuxTimeout));
        return values;
    }

    public static void Put(List<KeyValuePair<string, string?>> values, string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (value is not null)
        {
            values.Add(new(key, value));
        }
    }
}
