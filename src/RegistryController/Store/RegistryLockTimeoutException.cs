namespace RegistryController.Store;

/// <summary>The lock stayed taken for the whole bound; the message names who held it.</summary>
internal sealed class RegistryLockTimeoutException(string path, string problem, Exception? inner = null)
    : IOException($"{path}: {problem}", inner)
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}
