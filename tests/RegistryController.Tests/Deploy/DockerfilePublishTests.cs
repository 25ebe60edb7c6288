using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Tests.Deploy;

public partial class DockerfilePublishTests
{
    /// <summary>The Dockerfile's one `dotnet publish` invocation, as arguments (line continuations joined).</summary>
    private static string[] PublishArguments()
    {
        var text = File.ReadAllText(DeployTools.Path("Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal);
        var lines = text.Split('\n').Where(l => l.TrimStart().StartsWith("RUN dotnet publish", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        return [.. line.Trim()["RUN dotnet ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
    }

    [Fact]
    public void The_image_is_built_by_a_single_publish_into_the_directory_the_final_stage_copies()
    {
        var arguments = PublishArguments();
        var output = arguments[Array.IndexOf(arguments, "-o") + 1];

        Assert.Contains($"COPY --from=build {output} /app", File.ReadAllText(DeployTools.Path("Dockerfile")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dockerfiles_publish_succeeds_with_no_warning_and_produces_a_registryctl_that_runs()
    {
        using var temp = new TempDirectory();
        var arguments = PublishArguments();
        arguments[Array.IndexOf(arguments, "-o") + 1] = temp.Path;

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var result = await Cli.Wrap("dotnet").WithArguments(arguments).WithWorkingDirectory(DeployTools.RepositoryRoot)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Empty(Warning().Matches(result.StandardOutput + result.StandardError).Select(m => m.Value).Distinct());
        var binary = Path.Combine(temp.Path, "registryctl");
        Assert.True(File.Exists(binary), $"no registryctl in {temp.Path}");
        Assert.Empty(Directory.GetFiles(temp.Path, "*.pdb"));
        var help = await Cli.Wrap(binary).WithArguments(["run", "--help"]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--leader-elect", help.StandardOutput, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"warning [A-Z]+[0-9]+[^\r\n]*")]
    private static partial Regex Warning();
}
