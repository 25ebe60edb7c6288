using System.CommandLine;
using Registryctl.Configuration;

namespace Registryctl.Commands;

/// <summary>The options health and repair share: where to look, at what, and how to report.</summary>
internal sealed class ScopeOptions
{
    public CommonFlags Common { get; } = new();

    public Option<string?> Workspace { get; } = new("--workspace", "-w")
    {
        Description = $"The orchestrator workspace [default: ${WorkspaceOptions.WorkspaceVariable}, then ./{WorkspaceOptions.DefaultWorkspace}]",
    };

    public Option<string[]> Task { get; } = new("--task", "-t")
    {
        Description = "Only this task's registry (repeatable)",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<bool> Global { get; } = new("--global") { Description = "Include the global registry" };

    public Option<bool> All { get; } = new("--all") { Description = "Every task registry and the global one (the default when no scope is given)" };

    /// <summary>Health judges with the same grace repair would act on.</summary>
    public Option<string?> Grace { get; } = CommonFlags.Grace();

    public Option<bool> Json { get; } = new("--json") { Description = "Print the report as JSON (see docs/report.md)" };

    public Option<bool> NoColor { get; } = new("--no-color") { Description = "Plain output even on a terminal (NO_COLOR is honoured too)" };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Workspace, Task, Global, All, Grace, Json, NoColor })
        {
            command.Options.Add(option);
        }

        Common.AddTo(command);
    }

    public List<KeyValuePair<string, string?>> ToConfiguration(ParseResult parse, List<string> errors)
    {
        var values = Common.ToConfiguration(parse, errors);
        CommonFlags.Put(values, nameof(WorkspaceOptions.Workspace), parse.GetValue(Workspace));
        CommonFlags.Put(values, CommonFlags.GraceKey, parse.GetValue(Grace));
        return values;
    }
}
