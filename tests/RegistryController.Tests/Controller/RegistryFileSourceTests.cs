using System.Text.Json.Nodes;

namespace RegistryController.Tests.Controller;

/// <summary>
/// The file path into the running controller: registries written by Python, task directories
/// appearing, and a watcher that lost events. tmux is not touched in these tests and the scan runs
/// once a minute, so a repair within seconds came from the file events (or the resync).
/// </summary>
public class RegistryFileSourceTests
{
    private static readonly TimeSpan EventBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_zombie_written_into_a_registry_by_the_orchestrator_is_repaired()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 3);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        var registry = workspace.TaskRegistry(0);

        await OrchestratorWriter.AppendAgentAsync(registry, Agents.Zombie("late_zombie-1"));

        await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(registry, "late_zombie-1"), EventBound, "the appended zombie is terminated");
        Assert.Equal(3, RegistryJson.Number(registry, "active_count"));
        Assert.Equal(4, RegistryJson.Number(registry, "total_spawned"));
    }

    [Fact]
    public async Task A_task_directory_created_after_start_is_watched_and_its_zombie_repaired()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 2, extraSessions: ["agent_new_live-1"]);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        var registry = Path.Combine(workspace.Root, "TASK-new", "AGENT_REGISTRY.json");
        var content = RegistryJson.Read(workspace.TaskRegistry(0));
        content["task_id"] = "TASK-new";
        content["agents"] = new JsonArray(Agents.Active("new_live-1", "agent_new_live-1"), Agents.Zombie("new_zombie-1"));
        content["total_spawned"] = 2;
        content["active_count"] = 2;
        content["completed_count"] = 0;

        await OrchestratorWriter.CreateAsync(registry, content);

        await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(registry, "new_zombie-1"), EventBound, "the new task's zombie is terminated");
        Assert.Equal("working", RegistryJson.Status(registry, "new_live-1"));
        Assert.Equal(1, RegistryJson.Number(registry, "active_count"));
        Assert.True(controller.Cache.Contains(registry));
    }

    [Fact]
    public async Task A_watcher_that_lost_events_resyncs_and_reconciles_every_registry()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 3, liveAgentsPerTask: 2);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        var source = Assert.Single(controller.Manager.FileSources.Current);
        var resyncs = controller.Status.Resyncs;

        // Stop the watcher, then change every registry: these events are lost, as in a kernel queue overflow.
        source.Dispose();
        for (var t = 0; t < workspace.TaskIds.Count; t++)
        {
            await OrchestratorWriter.AppendAgentAsync(workspace.TaskRegistry(t), Agents.Zombie($"unseen_zombie-{t}"));
        }

        source.OnError(source, new ErrorEventArgs(new InternalBufferOverflowException("inotify queue overflow")));

        // At least this one: a scan in the meantime (the control client rescans when it attaches) also finds
        // the disposed watcher and resyncs while it watches the root again.
        Assert.True(controller.Status.Resyncs >= resyncs + 1, $"{controller.Status.Resyncs - resyncs} resyncs");
        for (var t = 0; t < workspace.TaskIds.Count; t++)
        {
            var registry = workspace.TaskRegistry(t);
            var agentId = $"unseen_zombie-{t}";
            await Eventually.Until(() => RegistryJson.IsTerminatedAsZombie(registry, agentId), EventBound, $"{agentId} terminated by the resync");
        }

        Assert.True(controller.Logs.Any(Microsoft.Extensions.Logging.LogLevel.Warning, "resyncing everything"));
    }
}
