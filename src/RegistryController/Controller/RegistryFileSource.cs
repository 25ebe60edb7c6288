using Microsoft.Extensions.Logging;
using RegistryController.Runtime;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// A 2025 workspace's file events: the root watched recursively, and a registry file created, changed, renamed into
/// place or deleted is its own key; a task directory appearing after start may already hold its registry.
/// </summary>
internal sealed class RegistryFileSource(string root, WorkQueue<RegistryLocation> queue, Action<string> resync, ILogger logger)
    : WorkspaceFileSource(root, root, recursive: true, queue, resync, logger)
{
    protected override void Route(string path, WatcherChangeTypes change)
    {
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
