using RegistryController.Registry;

namespace RegistryController.Store;

/// <summary>Where a registry lives and what shape it has. <see cref="TaskId"/> is the task directory's name.</summary>
public sealed record RegistryLocation(string WorkspaceRoot, string Path, RegistryKind Kind, string? TaskId)
{
    /// <summary>
    /// Which layout's state the key names: one JSON registry (2025), or (2026) the workspace's whole state database,
    /// which one read transaction judges and one write transaction repairs.
    /// </summary>
    public StateLayout Layout { get; init; } = StateLayout.Json2025;

    /// <summary>The key of a 2026 workspace: its <c>registry/state.sqlite3</c>, every task at once.</summary>
    public static RegistryLocation StateDatabase(string root) =>
        new(root, StateLayouts.DatabasePath(root), RegistryKind.Task, null) { Layout = StateLayout.Sqlite2026 };
}
