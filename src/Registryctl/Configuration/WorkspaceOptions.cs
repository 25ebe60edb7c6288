namespace Registryctl.Configuration;

/// <summary>The top-level <c>Workspace</c> and <c>Workspaces</c> keys: which orchestrator workspaces to look at.</summary>
internal sealed record WorkspaceOptions
{
    public const string WorkspaceVariable = "CLAUDE_ORCHESTRATOR_WORKSPACE";
    public const string DefaultWorkspace = ".agent-workspace";

    /// <summary>Null: $CLAUDE_ORCHESTRATOR_WORKSPACE, then ./.agent-workspace.</summary>
    public string? Workspace { get; init; }

    /// <summary>`run` only: several workspaces (repeat --workspace). Empty means <see cref="Workspace"/>.</summary>
    public string[] Workspaces { get; init; } = [];

    /// <summary>The workspaces as full paths, without repeats; never empty.</summary>
    public IReadOnlyList<string> Resolve(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (Workspaces is { Length: > 0 } many)
        {
            return [.. many.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal)];
        }

        var one = Workspace is { Length: > 0 } configured
            ? configured
            : environment(WorkspaceVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultWorkspace;
        return [Path.GetFullPath(one)];
    }
}
