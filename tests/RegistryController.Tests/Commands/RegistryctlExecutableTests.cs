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
}
