using Microsoft.Extensions.Logging;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Runtime;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// Every key of each watched workspace, by its layout: a 2025 workspace's registries (each its own key), a 2026
/// workspace's state database (one key for all its tasks). What start-up queues and a resync requeues, each by the
/// layout the workspace has then (<see cref="WatchedWorkspaces"/> decides); what a switch to sqlite-2026 queues.
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

    /// <inheritdoc cref="WatchedWorkspaces.Refresh"/>
    public StateLayout Refresh(string root) => workspaces.Refresh(root);

    /// <summary>
    /// A workspace just became sqlite-2026: said once, its cache emptied of JSON registries (until its database is
    /// read it names nothing for sure, so no orphan is followed there), and its database queued. Its JSON keys are not
    /// queued again; one already queued or reconciling writes nothing (<see cref="RegistryReconciler"/>).
    /// </summary>
    public void Switched(string root)
    {
        LogSwitched(root);
        var cache = caches.For(root);
        cache.ReplaceAll([RegistrySnapshot.Failed(StateLayouts.DatabasePath(root), RegistryKind.Task, null, "not read yet since the workspace switched to sqlite-2026")]);
        cache.Adopted.Forget();
        queue.Add(RegistryLocation.StateDatabase(root), Trigger.File);
    }

    /// <summary>
    /// Start-up: a 2025 workspace's registries read into its cache at once (so the first reconciles judge
    /// workspace-wide facts on all of them), then its keys; a 2026 workspace's database is read by its reconcile.
    /// </summary>
    public async Task<IReadOnlyList<RegistryLocation>> LoadAsync(string root, CancellationToken cancellationToken)
    {
        var layout = Refresh(root);
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
        caches.For(root).Adopted.Forget();
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

    private IEnumerable<RegistryLocation> Keys(string root) => Refresh(root) == StateLayout.Sqlite2026
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

    [LoggerMessage(Level = LogLevel.Information, Message = "The workspace {Root} switched from json-2025 to sqlite-2026 (registry/state.sqlite3 appeared): it is judged from its database from now on, and its JSON registries are never written again")]
    private partial void LogSwitched(string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list {Root}: {Error}")]
    private partial void LogDiscoveryFailed(string root, string error);
}
