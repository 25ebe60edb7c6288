
namespace RegistryController.Store;

/// <summary>Where a workspace keeps its agents' state: which orchestrator wrote it.</summary>
public enum StateLayout
{
    /// <summary>The 2025 orchestrator: task and global JSON registries are the state.</summary>
    Json2025,

    /// <summary>The 2026 orchestrator: <c>registry/state.sqlite3</c> is the state; its JSON registries are written once.</summary>
    Sqlite2026,
}

/// <summary>The one place that decides a workspace's layout.</summary>
public static class StateLayouts
{
    public const string DatabaseFileName = "state.sqlite3";

    public static string DatabasePath(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Path.Combine(root, RegistryDiscovery.GlobalRegistryDirectory, DatabaseFileName);
    }

    /// <summary>
    /// SQLite when anything stands at <c>registry/state.sqlite3</c>, even a broken file or a link: a damaged database
    /// must be reported as such, never make the workspace fall back to JSON registries the orchestrator no longer keeps.
    /// </summary>
    public static StateLayout Detect(string root) =>
        RegistryDiscovery.Stands(DatabasePath(root)) ? StateLayout.Sqlite2026 : StateLayout.Json2025;

    /// <summary>The layout's name in reports: <c>json-2025</c> or <c>sqlite-2026</c>.</summary>
    public static string Name(StateLayout layout) => layout switch
    {
        StateLayout.Sqlite2026 => "sqlite-2026",
        _ => "json-2025",
    };
}
