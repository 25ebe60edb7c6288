
namespace RegistryController.Tests.Controller;

/// <summary>
/// Opt-in orphan clean-up in the running controller: an agent_ session that no registry names is
/// killed once it has been an orphan for Controller:KillOrphansAfter, never sooner, and never when
/// the setting is off. The scan runs every 200 ms here so that the reaper looks often.
/// </summary>
public class OrphanReaperTests
{
    private static readonly TimeSpan ScanInterval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task An_orphan_session_is_killed_after_kill_orphans_after_and_not_before()
    {
        var killAfter = TimeSpan.FromSeconds(1);
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 2);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, Configure("1s"));
        var born = DateTimeOffset.UtcNow;

        await workspace.Tmux.Server.NewSessionAsync("agent_orphan-1");

        // A first scan sees the new orphan: it survives it.
        await Eventually.Until(() => controller.Status.LastTick > born, TimeSpan.FromSeconds(5), "a scan after the orphan appeared");
        Assert.True(await workspace.Tmux.HasSessionAsync("agent_orphan-1"), "killed at first sight");
        await Eventually.Until(async () => !await workspace.Tmux.HasSessionAsync("agent_orphan-1"), TimeSpan.FromSeconds(5), "the orphan is killed");
        var lived = DateTimeOffset.UtcNow - born;

        Assert.True(lived >= killAfter, $"killed after {lived.TotalMilliseconds:0} ms, before {killAfter.TotalMilliseconds:0} ms");
        Assert.Equal(workspace.LiveSessions.Order(StringComparer.Ordinal), (await workspace.Tmux.Server.ListSessionsAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_session_that_a_registry_names_in_the_meantime_is_not_killed()
    {
        // Long enough for a python3 writer to start and write on a loaded machine (seen taking 3 s) before the kill is due.
        var killAfter = TimeSpan.FromSeconds(5);
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 2);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, Configure("5s"));
        var born = DateTimeOffset.UtcNow;

        // Two orphans appear together; the orchestrator then records an agent for one of them.
        await workspace.Tmux.Server.NewSessionAsync("agent_orphan-1");
        await workspace.Tmux.Server.NewSessionAsync("agent_adopted-1");
        await OrchestratorWriter.AppendAgentAsync(workspace.TaskRegistry(0), Agents.Active("adopted-1", "agent_adopted-1"));
        await Eventually.Until(() => controller.Cache.NamedSessions().Sessions.Contains("agent_adopted-1"), killAfter, "the controller has read the registry that names it");
        Assert.True(DateTimeOffset.UtcNow - born < killAfter, "the registry was read too late for this test to tell anything");

        await Eventually.Until(async () => !await workspace.Tmux.HasSessionAsync("agent_orphan-1"), TimeSpan.FromSeconds(12), "the other orphan is killed");
        // Two more scans after that kill: the reaper has looked at the named session again since.
        var killedAt = DateTimeOffset.UtcNow;
        await Eventually.Until(() => controller.Status.LastTick > killedAt + (2 * ScanInterval), TimeSpan.FromSeconds(5), "two more scans");

        Assert.True(await workspace.Tmux.HasSessionAsync("agent_adopted-1"));
        Assert.Equal("working", RegistryJson.Status(workspace.TaskRegistry(0), "adopted-1"));
    }

    [Fact]
    public async Task With_kill_orphans_after_off_no_session_is_killed()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 2);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, Configure("off"));
        Assert.Null(controller.Settings.Controller.KillOrphansAfter);
        var born = DateTimeOffset.UtcNow;

        await workspace.Tmux.Server.NewSessionAsync("agent_orphan-1");

        // Scans go on for longer than the other tests' kill-after: with the setting off, none kills.
        await Eventually.Until(() => controller.Status.LastTick > born + TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(5), "scans for 1.5 s");
        Assert.True(await workspace.Tmux.HasSessionAsync("agent_orphan-1"));
    }

    private static Action<IDictionary<string, string?>> Configure(string killOrphansAfter) => s =>
    {
        s["Controller:ScanInterval"] = "200ms";
        s["Controller:KillOrphansAfter"] = killOrphansAfter;
    };
}
