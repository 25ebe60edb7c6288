using RegistryController.Generation;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary><c>registryctl health</c>: its exit codes are the contract scripts rely on (0 healthy, 1 discrepancies, 2 could not check).</summary>
public class HealthCommandTests
{
    [Fact]
    public async Task Health_exits_0_for_a_workspace_where_every_active_agent_has_a_live_session()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0, Completed: 1));

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
    }

    [Fact]
    public async Task Health_exits_1_when_an_agent_is_a_zombie()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 1, Completed: 1));

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, result.ToString());
    }

    [Fact]
    public async Task Health_exits_1_when_the_only_discrepancy_is_an_orphan_session()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0, Completed: 1), orphans: 1);

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, result.ToString());
    }

    [Fact]
    public async Task Health_exits_2_when_the_tmux_view_is_broken()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0));

        var result = await workspace.RunAsync("health", "--set", "Tmux:Binary=/nonexistent/tmux");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
    }

    [Fact]
    public async Task Health_exits_2_when_a_registry_cannot_be_read()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0));
        await Python.RunAsync("import sys; p=sys.argv[1]; t=open(p).read(); open(p,'w').write(t[:len(t)//2])", workspace.TaskPath(workspace.TaskIds[0]));

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
    }

    [Fact]
    public async Task Health_writes_nothing_even_when_it_finds_zombies_and_drifted_counters()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 1, DeadPane: 1), orphans: 1, counterDrift: true);
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, result.ToString());
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
    }
}
