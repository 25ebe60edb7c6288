using System.Collections.Immutable;
using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Pass;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Tests.Pass;

/// <summary>
/// One reconcile pass end to end: a generated workspace with a known ground truth, a real tmux server
/// on a private socket running exactly the sessions the truth says are alive, real files and locks.
/// </summary>
public class ReconcilePassTests
{
    // 3 tasks × (2 live, 1 zombie, 1 fresh, 1 dead pane, 1 completed): 6 zombies of 15 active agents,
    // under the mass guard's half, and 2 orphan sessions.
    private static readonly AgentMix Mix = new(Live: 2, Zombie: 1, Fresh: 1, DeadPane: 1, Completed: 1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_repair_pass_terminates_exactly_the_ground_truth_zombies_with_reason_and_timestamps(bool trackedFiles)
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 2, trackedFiles: trackedFiles);
        var clock = ClockReading.From(TimeProvider.System);
        var started = clock.Now;

        await RepairAsync(workspace);
        var finished = DateTimeOffset.UtcNow;

        var terminated = workspace.TaskIds
            .SelectMany(task => workspace.ReadTask(task)["agents"]!.AsArray().Select(a => a!.AsObject()).Where(a => (string?)a["status"] == "terminated").Select(a => (task, a)))
            .ToList();
        Assert.Equal(
            workspace.Truth.Zombies.Select(z => $"{z.TaskId}/{z.AgentId}/{z.Reason}").Order(StringComparer.Ordinal),
            terminated.Select(t => $"{t.task}/{t.a["id"]}/{t.a["termination_reason"]}").Order(StringComparer.Ordinal));
        Assert.Contains(terminated, t => (string?)t.a["termination_reason"] == ZombieReasons.PaneDead);
        Assert.Contains(terminated, t => (string?)t.a["termination_reason"] == ZombieReasons.SessionNotFound);
        foreach (var (task, agent) in terminated)
        {
            var at = clock.Parse((string?)agent["terminated_at"]);
            Assert.NotNull(at);
            Assert.InRange(at.Value, started.AddSeconds(-1), finished.AddSeconds(1));
            Assert.Equal((string?)agent["terminated_at"], (string?)agent["last_update"]);
        }
    }

    [Fact]
    public async Task A_repair_pass_mirrors_each_termination_into_the_global_registry()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 2);

        await RepairAsync(workspace);

        Assert.NotEmpty(workspace.Truth.Zombies);
        foreach (var zombie in workspace.Truth.Zombies)
        {
            var task = workspace.TaskAgent(zombie.TaskId, zombie.AgentId);
            var global = workspace.GlobalAgent(zombie.AgentId);
            Assert.Equal("terminated", (string?)global["status"]);
            Assert.Equal(zombie.Reason, (string?)global["termination_reason"]);
            Assert.Equal((string?)task["terminated_at"], (string?)global["terminated_at"]);
            Assert.Equal((string?)task["last_update"], (string?)global["last_update"]);
        }

        var otherStatuses = workspace.ReadGlobal()["agents"]!.AsObject()
            .Where(kv => workspace.Truth.Zombies.All(z => z.AgentId != kv.Key))
            .Select(kv => (string?)kv.Value!["status"]);
        Assert.DoesNotContain("terminated", otherStatuses);
    }

    [Fact]
    public async Task A_repair_pass_mirrors_a_completion_the_global_registry_missed_with_when_it_completed()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0, Completed: 2), trackedFiles: true);
        var task = workspace.TaskIds[0];
        var completed = workspace.ReadTask(task)["agents"]!.AsArray().Select(a => a!.AsObject()).First(a => (string?)a["status"] == "completed");
        var id = (string)completed["id"]!;
        var global = workspace.ReadGlobal();
        var entry = global["agents"]![id]!.AsObject();
        entry["status"] = "running";
        entry.Remove("completed_at");
        entry.Remove("last_update");
        workspace.WriteGlobal(global);

        await RepairAsync(workspace);

        var mirrored = workspace.GlobalAgent(id);
        Assert.Equal("completed", (string?)mirrored["status"]);
        Assert.Equal((string?)completed["completed_at"], (string?)mirrored["completed_at"]);
        Assert.Equal((string?)completed["last_update"], (string?)mirrored["last_update"]);
    }

    [Fact]
    public async Task A_repair_pass_sets_every_active_counter_to_the_ground_truth()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 2, counterDrift: true);

        await RepairAsync(workspace);

        foreach (var task in workspace.TaskIds)
        {
            Assert.Equal(workspace.Truth.ActiveAfterRepairByTask[task], (int)workspace.ReadTask(task)["active_count"]!);
        }

        Assert.Equal(workspace.Truth.GlobalActiveAfterRepair, (int)workspace.ReadGlobal()["active_agents"]!);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_repair_pass_leaves_live_fresh_and_completed_agents_byte_for_byte_as_they_were(bool trackedFiles)
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 2, trackedFiles: trackedFiles);
        var zombies = workspace.Truth.Zombies.Select(z => z.AgentId).ToHashSet(StringComparer.Ordinal);
        var before = OtherAgents(workspace, zombies);

        await RepairAsync(workspace);

        var after = OtherAgents(workspace, zombies);
        Assert.Equal(3 * (Mix.Total - Mix.Zombie - Mix.DeadPane) * 2, before.Count);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task A_repair_pass_reports_the_orphan_sessions_and_leaves_them_running()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 2);

        var report = await RepairAsync(workspace);

        Assert.Equal(workspace.Truth.OrphanSessions.Order(StringComparer.Ordinal), report.Verdict.Orphans.Select(o => o.Session));
        var sessions = await workspace.Tmux.Server.ListSessionsAsync();
        Assert.All(workspace.Truth.OrphanSessions, orphan => Assert.Contains(orphan, sessions));
        Assert.All(workspace.Truth.LiveSessions, live => Assert.Contains(live, sessions));
    }

    [Fact]
    public async Task A_live_session_of_one_task_is_not_reported_as_an_orphan_when_another_task_is_judged()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 3, Zombie: 0), orphans: 1);
        var onlySecondTask = new ReconcileScope(false, [workspace.TaskIds[1]], false);

        var report = await Pass(workspace).RunAsync(workspace.Root, onlySecondTask, PassMode.Check, null, CancellationToken.None);

        Assert.Equal(TmuxViewStatus.Listed, report.Verdict.Tmux.Status);
        Assert.Equal(workspace.Truth.OrphanSessions, report.Verdict.Orphans.Select(o => o.Session));
    }

    [Fact]
    public async Task A_second_repair_pass_writes_nothing()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 2, counterDrift: true);
        var first = await RepairAsync(workspace);
        Assert.Contains(first.Outcomes, o => o.Written);
        var files = workspace.CaptureFiles();

        var second = await RepairAsync(workspace);

        Assert.DoesNotContain(second.Outcomes, o => o.Written);
        Assert.Empty(files.ChangedIn(workspace.CaptureFiles()));
    }

    private static ReconcilePass Pass(TmuxWorkspace workspace) => new(
        workspace.Tmux.ViewSource(),
        // As registryctl builds it: finished agents are read without their start and files.
        new RegistryStore(new RegistryStoreOptions(), new LockOptions(), activeStatuses: new ReconcileOptions().ActiveStatuses),
        TimeProvider.System,
        new ReconcileOptions());

    private static Task<PassReport> RepairAsync(TmuxWorkspace workspace) =>
        Pass(workspace).RunAsync(workspace.Root, ReconcileScope.Everything, PassMode.Repair, null, CancellationToken.None);

    /// <summary>Every agent that is not a zombie, as its JSON text, in the task registries and the global one.</summary>
    private static ImmutableSortedDictionary<string, string> OtherAgents(TmuxWorkspace workspace, HashSet<string> zombies)
    {
        var agents = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var task in workspace.TaskIds)
        {
            foreach (var agent in workspace.ReadTask(task)["agents"]!.AsArray().Select(a => a!.AsObject()).Where(a => !zombies.Contains((string)a["id"]!)))
            {
                agents.Add($"{task}/{agent["id"]}", agent.ToJsonString());
            }
        }

        foreach (var (id, entry) in workspace.ReadGlobal()["agents"]!.AsObject().Where(kv => !zombies.Contains(kv.Key)))
        {
            agents.Add($"global/{id}", entry!.ToJsonString());
        }

        return agents.ToImmutable();
    }
}
