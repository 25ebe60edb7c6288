using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

public class DemoCommandTests
{
    [Fact]
    public async Task The_demo_runs_health_repair_and_health_on_its_own_tmux_server_and_exits_0()
    {
        var result = await RegistryctlInProcess.RunAsync("demo");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var lines = result.Stdout.Split('\n');
        var steps = lines.Where(l => l.StartsWith("$ registryctl ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]);
        Assert.Equal(["health", "repair", "health"], steps);
        Assert.Equal(["(exit 1)", "(exit 0)", "(exit 1)"], lines.Where(l => l.StartsWith("(exit ", StringComparison.Ordinal)));
    }
}
