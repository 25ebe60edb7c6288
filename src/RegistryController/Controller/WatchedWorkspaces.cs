namespace RegistryController.Controller;

/// <summary>The workspace roots one controller watches (absolute paths).</summary>
public sealed record WatchedWorkspaces(IReadOnlyList<string> Roots);
