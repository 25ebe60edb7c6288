using RegistryController.Locking;
using RegistryController.Registry;

namespace RegistryController.Store;

/// <summary>
/// Finds a workspace's registries where the orchestrator puts them: <c>registry/GLOBAL_REGISTRY.json</c>
/// and <c>&lt;task-dir&gt;/AGENT_REGISTRY.json</c>. Links and directories are listed here and refused
/// at open time, so that a refused file shows up in the report instead of vanishing.
/// </summary>
public static class RegistryDiscovery
{
    public const string TaskRegistryFileName = "AGENT_REGISTRY.json";
    public const string GlobalRegistryDirectory = "registry";
    public const string GlobalRegistryFileName = "GLOBAL_REGISTRY.json";

    public static string GlobalRegistryPath(string root) => Path.Combine(root, GlobalRegistryDirectory, GlobalRegistryFileName);

    public static IReadOnlyList<RegistryLocation> Discover(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var found = new List<RegistryLocation>();
        var global = GlobalRegistryPath(root);
        if (Stands(global))
        {
            found.Add(new RegistryLocation(root, global, RegistryKind.Global, null));
        }

        foreach (var directory in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(directory);
            var path = Path.Combine(directory, TaskRegistryFileName);
            if (name != GlobalRegistryDirectory && Stands(path))
            {
                found.Add(new RegistryLocation(root, path, RegistryKind.Task, name));
            }
        }

        return found;
    }

    /// <summary>The registry a path names, if it is one (used by file-event sources).</summary>
    public static RegistryLocation? Classify(string root, string path)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(path);
        var relative = Path.GetRelativePath(root, path);
        var parts = relative.Split(Path.DirectorySeparatorChar);
        if (parts.Length != 2 || parts[0] == "..")
        {
            return null;
        }

        return (parts[0], parts[1]) switch
        {
            (GlobalRegistryDirectory, GlobalRegistryFileName) => new RegistryLocation(root, path, RegistryKind.Global, null),
            (not GlobalRegistryDirectory, TaskRegistryFileName) => new RegistryLocation(root, path, RegistryKind.Task, parts[0]),
            _ => null,
        };
    }

    /// <summary>
    /// Something stands at a registry's path: a file, a link (even a broken one) or anything else a
    /// person or a bug left there (a directory). Opening it decides whether it is a registry; a
    /// refusal is then reported by path instead of the registry silently vanishing. One lstat (statx),
    /// asked of every task directory before a pass can begin. A path that cannot be looked at (EACCES,
    /// ELOOP on the way) does not stand: the layout is decided by this too, and a look that fails for a
    /// moment must not turn a JSON workspace into a 2026 one.
    /// </summary>
    public static bool Stands(string path) => Posix.FileType(path, followLinks: false, out _) == 0;
}
