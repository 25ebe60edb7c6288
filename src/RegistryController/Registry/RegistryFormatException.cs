namespace RegistryController.Registry;

/// <summary>A registry file that cannot be trusted: the controller reports it and never writes it.</summary>
internal sealed class RegistryFormatException : Exception
{
    public RegistryFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    public string Path { get; }

    public string Problem { get; }
}
