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

    /// <summary>
    /// Opens the registry when its path, as written, is its real path inside the workspace: a plain path below the root
    /// whose every component the kernel walks without meeting a link. Then <see cref="Resolve"/> would say the same, at
    /// the price of a readlink(2) per component of both paths (8 calls a registry, a tenth of a pass). -1 for
    /// anything else (a link on the way, nothing there, a kernel without openat2): <see cref="Resolve"/> decides.
    /// </summary>
    /// <param name="flags">Native <c>open(2)</c> flags.</param>
    public static int OpenPlain(RegistryLocation location, int flags)
    {
        // An absolute root only: an empty one would make every absolute path "below" it.
        var root = location.WorkspaceRoot.AsSpan().TrimEnd('/');
        var path = location.Path.AsSpan();
        return location.WorkspaceRoot.StartsWith('/') && path.Length > root.Length + 1 && path.StartsWith(root, StringComparison.Ordinal)
            && path[root.Length] == '/' && IsPlain(path)
            ? Posix.OpenWithoutLinks(location.Path, flags, out _)
            : -1;
    }

    /// <summary>An absolute path without empty, <c>.</c> or <c>..</c> components: with no link on it, its own real path.</summary>
    internal static bool IsPlain(ReadOnlySpan<char> path)
    {
        if (path.IsEmpty || path[0] != '/' || path.Contains('\0'))
        {
            return false;
        }

        foreach (var range in path[1..].Split('/'))
        {
            var component = path[1..][range];
            if (component.IsEmpty || component.SequenceEqual(".") || component.SequenceEqual(".."))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Why a path does not resolve, in words that match what <c>ls -l</c> shows there.</summary>
    private static string Unresolvable(string path, int errno) =>
        errno == Posix.ELoop ? "is a symbolic link that loops back on itself: refused"
        : new FileInfo(path).LinkTarget is { } target ? $"is a symbolic link to {target}, which does not exist: refused"
        : "the file no longer exists";
}
