using RegistryController.Generation;
using RegistryController.Runtime;

namespace RegistryController.Tests.Controller;

/// <summary>
/// The mass guard in run mode. A tmux server that dies makes every active agent look like a zombie
/// at once; the guard holds those terminations for Controller:GuardHold, after which the same verdict
/// proceeds ("never": it holds until a person acts).
/// </summary>
public class GuardHoldTests
{
    [Fact]
    public async Task After_a_server_crash_the_same_verdict_proceeds_once_the_guard_hold_has_passed()
    {
        var hold = TimeSpan.FromSeconds(2);
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 3);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Controller:GuardHold"] = "2s");
        await workspace.Tmux.WaitForControlClientAsync();
        var agents = Enumerable.Range(0, 2).SelectMany(t => workspace.AgentIds(t).Select(id => (Registry: workspace.TaskRegistry(t), Id: id))).ToList();
        var crashedAt = DateTimeOffset.UtcNow;

        await workspace.Tmux.Server.KillServerAsync();

        await Eventually.Until(() => controller.Status.Count(ReconcileOutcome.Held) > 0, TimeSpan.FromSeconds(5), "the guard held the terminations");
        await Eventually.Until(() => agents.All(a => RegistryJson.IsTerminatedAsZombie(a.Registry, a.Id)), TimeSpan.FromSeconds(10), "all six agents terminated after the hold");
        foreach (var (registry, id) in agents)
        {
            var entry = RegistryJson.Read(registry)["agents"]!.AsArray().Last(a => (string?)a!["id"] == id)!;
            var terminatedAt = Agents.ParseTimestamp((string?)entry["terminated_at"]);
            Assert.True(terminatedAt - crashedAt >= hold, $"{id} terminated {terminatedAt - crashedAt} after the crash, within the hold");
        }

        Assert.True(controller.Logs.Any(Microsoft.Extensions.Logging.LogLevel.Warning, "proceeding"));
    }

    [Fact]
    public async Task A_second_server_crash_after_a_recovery_is_held_again_for_the_full_hold()
    {
        var hold = TimeSpan.FromSeconds(3);
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 3);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Controller:GuardHold"] = "3s");
        await workspace.Tmux.WaitForControlClientAsync();
        var firstCrash = DateTimeOffset.UtcNow;
        var held = controller.Status.Count(ReconcileOutcome.Held);

        // A crash, held; the server comes back within the hold and the controller sees every session alive.
        await workspace.Tmux.Server.KillServerAsync();
        await Eventually.Until(() => controller.Status.Count(ReconcileOutcome.Held) >= held + 2, TimeSpan.FromSeconds(5), "the first crash is held");
        // Counted before the server is back: the controller may see it (and judge both registries) at once.
        var noops = controller.Status.Count(ReconcileOutcome.Noop);
        await workspace.Tmux.Server.StartAsync(workspace.LiveSessions);
        await workspace.Tmux.WaitForControlClientAsync(TimeSpan.FromSeconds(15));
        await Eventually.Until(() => controller.Status.Count(ReconcileOutcome.Noop) >= noops + 2, TimeSpan.FromSeconds(5), "both task registries judged healthy again");
        // The subject here is elapsed time itself: the first hold must be long over before the second crash.
        await Eventually.Until(() => DateTimeOffset.UtcNow - firstCrash > hold + TimeSpan.FromSeconds(0.5), hold * 2, "the first hold is over");
        Assert.All(workspace.Statuses(), s => Assert.NotEqual("terminated", s.Status));
        held = controller.Status.Count(ReconcileOutcome.Held);

        await workspace.Tmux.Server.KillServerAsync();

        // Same agents, same verdict as the first crash: it is a new crash all the same, and it waits its own hold.
        await Eventually.Until(() => controller.Status.Count(ReconcileOutcome.Held) >= held + 2, TimeSpan.FromSeconds(5), "the second crash is held");
        Assert.All(workspace.Statuses(), s => Assert.NotEqual("terminated", s.Status));
    }

    [Fact]
    public async Task With_guard_hold_never_a_server_crash_terminates_nothing()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 3);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Controller:GuardHold"] = "never");
        Assert.Null(controller.Settings.Controller.GuardHold);
        await workspace.Tmux.WaitForControlClientAsync();
        var held = controller.Status.Count(ReconcileOutcome.Held);
        var before = Enumerable.Range(0, 2).Select(t => RegistryJson.ReadBytes(workspace.TaskRegistry(t))).ToList();

        await workspace.Tmux.Server.KillServerAsync();
        await Eventually.Until(() => controller.Status.Count(ReconcileOutcome.Held) >= held + 2, TimeSpan.FromSeconds(5), "both task registries held");
        // Judge everything again, later: the verdict is the same and still does not proceed.
        controller.Manager.Resync(workspace.Root);
        await Eventually.Until(() => controller.Status.Count(ReconcileOutcome.Held) >= held + 4, TimeSpan.FromSeconds(5), "both held again by the resync");

        Assert.Equal(before, Enumerable.Range(0, 2).Select(t => RegistryJson.ReadBytes(workspace.TaskRegistry(t))));
    }

    [Fact]
    public async Task While_the_guard_holds_a_registry_it_does_not_wait_for_the_registrys_lock()
    {
        // Two of each task's three agents' sessions gone (eight zombies): the guard trips at start-up and holds them.
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 4, new AgentMix(Live: 1, Zombie: 2));
        // Written long ago: the start-up read vouches for the files, so a reconcile woken by tmux alone reads no file.
        foreach (var task in Enumerable.Range(0, 4))
        {
            File.SetLastWriteTimeUtc(workspace.TaskRegistry(task), DateTime.UtcNow.AddMinutes(-5));
        }

        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s =>
        {
            s["Controller:GuardHold"] = "never";
            s["Lock:Timeout"] = "60s";
        });
        await workspace.Tmux.WaitForControlClientAsync();
        await controller.WaitForIdleQueueAsync(TimeSpan.FromSeconds(15));
        var held = controller.Status.Count(ReconcileOutcome.Held);
        Assert.True(held >= 4, $"the guard held the task registries at start-up ({held} held)");
        var before = RegistryJson.ReadBytes(workspace.TaskRegistry(0));
        var lastLive = workspace.LiveSessions.Single(s => workspace.AgentOf(s).Task == 0);
        var orchestrator = await PythonLockHolder.LockAsync(workspace.TaskRegistry(0), TimeSpan.FromMinutes(5));
        try
        {
            // The locked task's last live agent goes too: tmux wakes its registry, which the guard still holds.
            await workspace.Tmux.Server.KillSessionAsync(lastLive);

            await Eventually.Until(() => controller.Status.Count(ReconcileOutcome.Held) > held, TimeSpan.FromSeconds(10), "the locked registry held again");
        }
        finally
        {
            await orchestrator.DisposeAsync();
        }

        Assert.Equal(before, RegistryJson.ReadBytes(workspace.TaskRegistry(0)));
    }
}
