using System.Text.Json;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using RegistryController.Generation;
using Registryctl.Commands;

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

    /// <summary>
    /// The native AOT publish, and the one test that runs its binary: every other test that starts
    /// registryctl as a process runs the JIT build beside the test assembly (the same source), because the
    /// native compile takes minutes (docs/footprint.md). What only AOT could break (trimmed reflection,
    /// source-generated JSON and settings, the native link) is what this one exercises: a health pass
    /// over a real workspace and tmux server, reported as JSON.
    /// </summary>
    [Fact]
    public async Task The_dockerfiles_publish_succeeds_with_no_warning_and_produces_a_native_registryctl_that_checks_a_workspace()
    {
        using var temp = new TempDirectory();
        var arguments = PublishArguments();
        arguments[Array.IndexOf(arguments, "-o") + 1] = temp.Path;

        // The native compile and link took 12.7 min on 2 cores with a load average of 16 to 22 (other builds).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(25));
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
        Assert.Empty(Directory.GetFiles(temp.Path, "*.dll"));

        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1));
        var health = await Cli.Wrap(binary).WithArguments(["health", "--json", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);
        Assert.True(health.ExitCode == ExitCodes.Discrepancies, $"exit {health.ExitCode}\n{health.StandardOutput}\n{health.StandardError}");
        using var report = JsonDocument.Parse(health.StandardOutput);
        Assert.Equal(workspace.Truth.Zombies.Length, report.RootElement.GetProperty("summary").GetProperty("zombies").GetInt32());
    }

    [GeneratedRegex(@"warning [A-Z]+[0-9]+[^\r\n]*")]
    private static partial Regex Warning();
}
