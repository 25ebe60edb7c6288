using RegistryController.Locking;

namespace RegistryController.Store;

/// <summary>Refuses any registry path whose real location is outside its workspace.</summary>
internal static class WorkspacePathGuard
{
    public static string Resolve(RegistryLocation location)
    {
        var root = Posix.RealPath(location.WorkspaceRoot)
            ?? throw new RegistryAccessException(location.Path, $"the workspace {location.WorkspaceRoot} does not exist");
        var real = Posix.RealPath(location.Path)
            ?? throw new RegistryAccessException(location.Path, "the file no longer exists");
        if (!real.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new RegistryAccessException(location.Path, $"resolves to {real}, outside the workspace {root}: refused");
        }

        return real;
    }
}
