using System.Collections.Concurrent;

namespace RegistryController.Controller;

/// <summary>One <see cref="WorkspaceCache"/> per watched workspace.</summary>
public sealed class WorkspaceCaches
{
    private readonly ConcurrentDictionary<string, WorkspaceCache> _caches = new(StringComparer.Ordinal);

    public WorkspaceCache For(string root) => _caches.GetOrAdd(root, r => new WorkspaceCache(r));

    public IReadOnlyCollection<WorkspaceCache> All => [.. _caches.Values];
}
