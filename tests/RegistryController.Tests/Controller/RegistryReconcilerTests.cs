using Microsoft.Extensions.Logging;
using RegistryController.Runtime;

namespace RegistryController.Tests.Controller;

/// <summary>The per-registry reconcile in the running controller: level-triggered, never looping on its own writes.</summary>
public class RegistryReconcilerTests
{
    private static readonly TimeSpan EventBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task The_controllers_own_writes_do_not_wake_it_into_writing_again()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 2);
        // One worker takes keys strictly in the order they became ready; that order is what the barrier below relies on.
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Controller:Workers"] = "1");
        var writes = controller.Status.Writes;
        var noops = controller.Status.Count(ReconcileOutcome.Noop);

        await OrchestratorWriter.AppendAgentAsync(workspace.TaskRegistry(0), Agents.Zombie("first_zombie-1"));
        await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(workspace.TaskRegistry(0), "first_zombie-1"), EventBound, "the first zombie is terminated");

        // A later event through the same watcher: inotify delivers in order, so the event of the
        // controller's own write above was queued before this one, and the single worker reconciled
        // it before it gets to this. Had that reconcile written again, the count would show it.
        await OrchestratorWriter.AppendAgentAsync(workspace.TaskRegistry(1), Agents.Zombie("second_zombie-1"));
        await Eventually.Until(
            () => RegistryJson.IsTerminatedAsZombie(workspace.TaskRegistry(1), "second_zombie-1") && controller.Manager.Queue is { InFlight: 0, Depth: 0 },
            EventBound,
            "the second zombie is terminated and that reconcile finished");

        // One write per zombie (the global registry never listed them and its counter was right all along).
        Assert.Equal(writes + 2, controller.Status.Writes);
        Assert.True(controller.Status.Count(ReconcileOutcome.Noop) > noops, "the echo of its own write was reconciled, as a no-op");
    }

    [Fact]
    public async Task The_global_active_agents_follows_a_spawn_the_orchestrator_wrote_into_a_task_registry()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 2);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        var before = RegistryJson.Number(workspace.GlobalPath, "active_agents");
        await workspace.Tmux.Server.NewSessionAsync("agent_spawned_agent-1");

        // The orchestrator's spawn touches the task registry only; the global counter must follow it.
        await OrchestratorWriter.AppendAgentAsync(workspace.TaskRegistry(0), Agents.Active("spawned_agent-1", "agent_spawned_agent-1"));

        await Eventually.Until(() => RegistryJson.Number(workspace.GlobalPath, "active_agents") == before + 1, EventBound, "active_agents counts the spawned agent");
        Assert.Equal("working", RegistryJson.Status(workspace.TaskRegistry(0), "spawned_agent-1"));
    }

    [Fact]
    public async Task A_deleted_registry_is_forgotten_without_an_error_loop()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 2, liveAgentsPerTask: 2);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        var deleted = workspace.TaskRegistry(0);
        Assert.True(controller.Cache.Contains(deleted));
        var errors = controller.Status.Count(ReconcileOutcome.Error);

        Directory.Delete(Path.GetDirectoryName(deleted)!, recursive: true);

        await Eventually.Until(
            () => !controller.Cache.Contains(deleted) && controller.Status.Count(ReconcileOutcome.Forgotten) > 0,
            EventBound,
            "the deleted registry is forgotten");
        // A later event and a full resync: neither brings the file back nor fails on it.
        await OrchestratorWriter.AppendAgentAsync(workspace.TaskRegistry(1), Agents.Zombie("later_zombie-1"));
        await Eventually.Until(
            () => RegistryJson.IsTerminatedAsZombie(workspace.TaskRegistry(1), "later_zombie-1") && controller.Manager.Queue is { InFlight: 0, Depth: 0 },
            EventBound,
            "a later zombie elsewhere is terminated");
        var reconciles = controller.Status.Reconciles;
        controller.Manager.Resync(workspace.Root);
        await Eventually.Until(() => controller.Status.Reconciles >= reconciles + 2, EventBound, "the resync reconciled the two registries left");

        Assert.False(controller.Cache.Contains(deleted));
        Assert.Equal(errors, controller.Status.Count(ReconcileOutcome.Error));
        Assert.Equal(2, controller.Cache.Count);
    }

    [Fact]
    public async Task A_stuck_agent_is_logged_and_never_terminated()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 2);
        var registry = workspace.TaskRegistry(0);
        var stuck = workspace.AgentIds(0)[0];
        var log = StuckAgents.TrackQuietLog(workspace.Root, workspace.TaskIds[0], stuck, quietFor: TimeSpan.FromHours(1));
        await StuckAgents.PointAtAsync(registry, stuck, log);
        var before = RegistryJson.ReadBytes(registry);

        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Controller:StuckAfter"] = "15m");

        Assert.True(controller.Logs.Any(LogLevel.Warning, "Stuck agent"), "a warning names the stuck agent");
        Assert.Contains(controller.Logs.Entries, e => e.Message.Contains(stuck, StringComparison.Ordinal) && e.Message.Contains("reported only", StringComparison.Ordinal));
        Assert.Equal(before, RegistryJson.ReadBytes(registry));
    }
}
