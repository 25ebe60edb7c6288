using Microsoft.Extensions.Logging;
using RegistryController.Runtime;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// A 2025 workspace's file events: the root watched recursively, and a registry file created, changed, renamed into
/// place or deleted is its own key; a task directory appearing after start may already hold its registry. The
/// orchestrator creating <c>registry/state.sqlite3</c> (or its <c>-wal</c>) is the database's key: reconciling it
/// switches the workspace to sqlite-2026 (<see cref="WatchedWorkspaces.Refresh"/>), off this watcher's thread, since the
/// switch replaces this source.
/// </summary>
internal sealed class RegistryFileSource(string root, WorkQueue<RegistryLocation> queue, Action<string> resync, ILogger logger)
    : WorkspaceFileSource(root, root, recursive: true, queue, resync, logger)
{
    private readonly string _database = StateLayouts.DatabasePath(root);

    public override StateLayout Layout => StateLayout.Json2025;

    protected override void Route(string path, WatcherChangeTypes change)
    {
        if ((path == _database || path == _database + "-wal") && change != WatcherChangeTypes.Deleted)
        {
            Enqueue(RegistryLocation.StateDatabase(Root), path, change);
            return;
        }

        if (RegistryDiscovery.Classify(Root, path) is { } location)
        {
            Enqueue(location, path, change);
            return;
        }

        // A task directory appearing (or moved in) may already hold its registry.
        if (Path.GetDirectoryName(path) == Root.TrimEnd('/') && Directory.Exists(path))
        {
            var candidate = Path.Combine(path, RegistryDiscovery.TaskRegistryFileName);
            if (RegistryDiscovery.Classify(Root, candidate) is { } inside && File.Exists(candidate))
            {
                Enqueue(inside, candidate, change);
            }
        }
    }
}
