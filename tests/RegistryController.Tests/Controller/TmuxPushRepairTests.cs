using RegistryController.Runtime;

namespace RegistryController.Tests.Controller;

/// <summary>
/// tmux's push path (the control-mode client) in the running controller. The periodic scan is set to
/// a minute, so a repair within seconds can only have come from the push.
/// </summary>
public class TmuxPushRepairTests
{
    private static readonly TimeSpan PushBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Killing_an_agents_session_repairs_its_registry_long_before_the_periodic_scan()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 3);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        Assert.Equal(TimeSpan.FromSeconds(60), controller.Settings.Controller.ScanInterval);
        await workspace.Tmux.WaitForControlClientAsync();
        // Not the session the control client is on: its death would be the client's own detach, not a push.
        var attached = await workspace.Tmux.ControlClientSessionAsync();
        var session = workspace.LiveSessions.First(s => s != attached);
        var (task, agentId) = workspace.AgentOf(session);

        await workspace.Tmux.Server.KillSessionAsync(session);

        await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(workspace.TaskRegistry(task), agentId), PushBound, $"{agentId} terminated with session_not_found");
        await Eventually.Until(() => (string?)RegistryJson.GlobalAgent(workspace.GlobalPath, agentId)?["status"] == "terminated", PushBound, "the global entry mirrors it");
        Assert.Equal(2, RegistryJson.Number(workspace.TaskRegistry(task), "active_count"));
        Assert.Equal(1, workspace.Statuses().Count(s => s.Status == "terminated"));
    }

    [Fact]
    public async Task A_tmux_server_killed_and_restarted_is_followed_without_mass_terminating_its_agents()
    {
        // Six active agents: a dead server would make all six zombies at once, which trips the mass guard.
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 3);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Controller:GuardHold"] = "60s");
        await workspace.Tmux.WaitForControlClientAsync();
        var held = controller.Status.Count(ReconcileOutcome.Held);

        await workspace.Tmux.Server.KillServerAsync();

        // The controller noticed (the control client's exit is a push) and its guard held both task registries.
        await Eventually.Until(() => controller.Status.Count(ReconcileOutcome.Held) >= held + 2, PushBound, "both task registries judged and held by the guard");
        Assert.All(workspace.Statuses(), s => Assert.Equal("working", NormalisedActive(s.Status)));

        await workspace.Tmux.Server.StartAsync(workspace.LiveSessions);
        await workspace.Tmux.WaitForControlClientAsync(TimeSpan.FromSeconds(15));
        var attachedNow = await workspace.Tmux.ControlClientSessionAsync();
        var session = workspace.LiveSessions.First(s => s != attachedNow);
        var (task, agentId) = workspace.AgentOf(session);
        await workspace.Tmux.Server.KillSessionAsync(session);

        await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(workspace.TaskRegistry(task), agentId), PushBound, $"{agentId} terminated through the reconnected control client");
        Assert.Equal([agentId], workspace.Statuses().Where(s => s.Status == "terminated").Select(s => s.AgentId));
    }

    [Fact]
    public async Task With_control_mode_off_no_client_attaches_and_the_scan_still_repairs_a_death()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 3);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s =>
        {
            s["Tmux:ControlMode"] = "false";
            s["Controller:ScanInterval"] = "1s";
        });
        var (task, agentId) = workspace.AgentOf(workspace.LiveSessions[0]);

        await workspace.Tmux.Server.KillSessionAsync(workspace.LiveSessions[0]);

        await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(workspace.TaskRegistry(task), agentId), PushBound, $"{agentId} terminated by the scan");
        Assert.Equal(0, await workspace.Tmux.ControlClientsAsync());
    }

    /// <summary>The generator writes running or working at random; both are the same active state here.</summary>
    private static string? NormalisedActive(string? status) => status is "running" ? "working" : status;
}
