using System.Text;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using RegistryController.Generation;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary>The built <c>registryctl</c> binary, run as a real process, as a script or a cron job would.</summary>
public class RegistryctlExecutableTests
{
    [Fact]
    public async Task The_registryctl_executable_exits_1_on_discrepancies_and_prints_a_plain_report_when_piped()
    {
        var executable = Path.Combine(AppContext.BaseDirectory, "registryctl");
        Assert.True(File.Exists(executable), $"no registryctl beside the test assembly in {AppContext.BaseDirectory}");
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1));

        var result = await Cli.Wrap(executable)
            .WithArguments(["health", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, $"exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
        Assert.All(workspace.Truth.Zombies, z => Assert.Contains($"zombie {z.AgentId}", result.StandardOutput, StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', result.StandardOutput);
    }

    [Fact]
    public async Task The_executables_json_report_is_the_same_report_as_an_in_process_one_and_ends_its_line()
    {
        var executable = Path.Combine(AppContext.BaseDirectory, "registryctl");
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1));
        string[] args = ["health", "--json", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath];

        var process = await Cli.Wrap(executable).WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(Encoding.UTF8);
        var inProcess = await RegistryctlInProcess.RunAsync(args);

        // The real stdout is written straight from the serializer to the stream; a test's writer takes the other way.
        Assert.EndsWith("}\n", process.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(WithoutDurations(inProcess.Stdout), WithoutDurations(process.StandardOutput));
        Assert.Equal(inProcess.ExitCode, process.ExitCode);
    }

    /// <summary>The report as text with its timings (the only fields that differ between two runs) blanked.</summary>
    private static string WithoutDurations(string report) =>
        Regex.Replace(report, "\"duration_ms\": [0-9.eE+-]+", "\"duration_ms\": 0");
}
