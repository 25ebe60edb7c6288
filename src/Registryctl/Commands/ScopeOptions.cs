using System.CommandLine;
using Registryctl.Configuration;

namespace Registryctl.Commands;

/// <summary>The options health and repair share: where to look, at what, and how to report.</summary>
public sealed class ScopeOptions
{
    public Option<string?> Workspace { get; } = new("--workspace", "-w")
    {
        Description = $"The orchestrator workspace [default: ${SettingsValidator.WorkspaceVariable}, then ./{SettingsValidator.DefaultWorkspace}]",
    };

    public Option<string[]> Task { get; } = new("--task", "-t")
    {
        Description = "Only this task's registry (repeatable)",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<bool> Global { get; } = new("--global") { Description = "Include the global registry" };

    public Option<bool> All { get; } = new("--all") { Description = "Every task registry and the global one (the default when no scope is given)" };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the report as JSON (see docs/report.md)" };

    public Option<string?> TmuxSocket { get; } = new("--tmux-socket", "-S") { Description = "tmux server socket path (tmux -S)" };

    public Option<string?> TmuxSocketName { get; } = new("--tmux-socket-name", "-L") { Description = "tmux server socket name (tmux -L); TMUX_TMPDIR is honoured" };

    public Option<string?> TmuxTimeout { get; } = new("--tmux-timeout") { Description = "How long tmux may take to answer [default: 5s]" };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Override any setting, e.g. --set Reconcile:ActiveStatuses:4=paused (repeatable)",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<bool> NoColor { get; } = new("--no-color") { Description = "Plain output even on a terminal (NO_COLOR is honoured too)" };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Workspace, Task, Global, All, Json, TmuxSocket, TmuxSocketName, TmuxTimeout, Set, NoColor })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The flags as configuration keys, so they override files and environment in one place.</summary>
    public List<KeyValuePair<string, string?>> ToConfiguration(ParseResult parse, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(errors);
        var values = new List<KeyValuePair<string, string?>>();
        void Put(string key, string? value)
        {
            if (value is not null)
            {
                values.Add(new(key, value));
            }
        }

        foreach (var assignment in parse.GetValue(Set) ?? [])
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add($"--set {assignment}: expected KEY=VALUE, e.g. Reconcile:Grace=45s");
                continue;
            }

            Put(assignment[..equals], assignment[(equals + 1)..]);
        }

        Put("Workspace", parse.GetValue(Workspace));
        Put("Tmux:Socket", parse.GetValue(TmuxSocket));
        Put("Tmux:SocketName", parse.GetValue(TmuxSocketName));
        Put("Tmux:Timeout", parse.GetValue(TmuxTimeout));
        return values;
    }
}
