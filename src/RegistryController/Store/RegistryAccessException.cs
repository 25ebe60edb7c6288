namespace RegistryController.Store;

/// <summary>A registry the controller must not or cannot open (a link out of the workspace, permissions, not a file).</summary>
internal sealed class RegistryAccessException(string path, string problem, Exception? inner = null)
    : IOException($"{path}: {problem}", inner)
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}
