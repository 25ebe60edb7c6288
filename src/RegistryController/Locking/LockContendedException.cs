namespace RegistryController.Locking;

/// <summary>Another process holds the registry's flock; the caller's retry pipeline decides how long to wait.</summary>
internal sealed class LockContendedException(string path) : IOException($"{path} is locked by another process")
{
    public string Path { get; } = path;
}
