using Microsoft.Extensions.Logging;
using RegistryController.Runtime;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// Every key of each watched workspace, by its layout: a 2025 workspace's registries (each its own key), a 2026
/// workspace's state database (one key for all its tasks). What start-up queues and a resync requeues.
/// </summary>
public sealed partial class WorkspaceKeys(
    WatchedWorkspaces workspaces,
    WorkspaceCaches caches,
    WorkspaceReader reader,
    WorkQueue<RegistryLocation> queue,
    ControllerStatus status,
    ILogger<WorkspaceKeys> logger)
{
    public IReadOnlyList<string> Roots => workspaces.Roots;

    public StateLayout LayoutOf(string root) => workspaces.LayoutOf(root);

    /// <summary>
    /// Start-up: a 2025 workspace's registries read into its cache at once (so the first reconciles judge
    /// workspace-wide facts on all of them), then its keys; a 2026 workspace's database is read by its reconcile.
    /// </summary>
    public async Task<IReadOnlyList<RegistryLocation>> LoadAsync(string root, CancellationToken cancellationToken)
    {
        var layout = LayoutOf(root);
        if (layout == StateLayout.Sqlite2026)
        {
            LogWatchingDatabase(root);
            return [RegistryLocation.StateDatabase(root)];
        }

        var cache = caches.For(root);
        var snapshot = await reader.ReadAsync(root, null, cancellationToken);
        foreach (var registry in snapshot.Registries)
        {
            cache.Update(registry);
        }

        LogWatchingRegistries(root, snapshot.Registries.Length);
        return [.. cache.Locations()];
    }

    /// <summary>Queues every key of one workspace (a watcher overflow, a recreated root, the periodic resync).</summary>
    public void Resync(string root)
    {
        status.Resynced();
        foreach (var key in Keys(root))
        {
            queue.Add(key, Trigger.Resync);
        }
    }

    public void ResyncAll()
    {
        foreach (var root in workspaces.Roots)
        {
            Resync(root);
        }
    }

    private IEnumerable<RegistryLocation> Keys(string root) => LayoutOf(root) == StateLayout.Sqlite2026
        ? [RegistryLocation.StateDatabase(root)]
        : SafeDiscover(root).Concat(caches.For(root).Locations()).Distinct();

    private IEnumerable<RegistryLocation> SafeDiscover(string root)
    {
        try
        {
            return RegistryDiscovery.Discover(root);
        }
        catch (IOException ex)
        {
            LogDiscoveryFailed(root, ex.Message);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Root} (json-2025: {Count} registries)")]
    private partial void LogWatchingRegistries(string root, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Root} (sqlite-2026: registry/state.sqlite3, one key for every task)")]
    private partial void LogWatchingDatabase(string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list {Root}: {Error}")]
    private partial void LogDiscoveryFailed(string root, string error);
}
