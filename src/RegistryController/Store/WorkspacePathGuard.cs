using RegistryController.Locking;

namespace RegistryController.Store;

/// <summary>Refuses any registry path whose real location is outside its workspace.</summary>
internal static class WorkspacePathGuard
{
    public static string Resolve(RegistryLocation location)
    {
        var root = Posix.RealPath(location.WorkspaceRoot)
            ?? throw new RegistryAccessException(location.Path, $"the workspace {location.WorkspaceRoot} does not exist");
        var real = Posix.RealPath(location.Path, out var errno)
            ?? throw new RegistryAccessException(location.Path, Unresolvable(location.Path, errno));
        if (!real.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new RegistryAccessException(location.Path, $"resolves to {real}, outside the workspace {root}: refused");
        }

        return real;
    }

    /// <summary>Why a path does not resolve, in words that match what <c>ls -l</c> shows there.</summary>
    private static string Unresolvable(string path, int errno) =>
        errno == Posix.ELoop ? "is a symbolic link that loops back on itself: refused"
        : new FileInfo(path).LinkTarget is { } target ? $"is a symbolic link to {target}, which does not exist: refused"
        : "the file no longer exists";
}
