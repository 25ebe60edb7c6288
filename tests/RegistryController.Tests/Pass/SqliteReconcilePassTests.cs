using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Pass;
using RegistryController.Store;

namespace RegistryController.Tests.Pass;

/// <summary>
/// A repair pass over the orchestrator-2026 fixture racing the orchestrator itself: a python3 writer (its
/// <c>update_agent_status</c>) changes a judged row after our read and before our write.
/// </summary>
public class SqliteReconcilePassTests
{
    private const string Documenter = "documenter-092433-0638dd";

    [Fact]
    public async Task A_row_the_orchestrator_changes_between_our_read_and_our_write_keeps_its_write_and_is_reported_superseded()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        // The pass reads the clock once, after its read of the rows and before its write: the orchestrator's completion
        // notifier lands exactly there, recording the documenter failed (a different ending from the one we judged).
        var time = new ClockThatLetsTheOrchestratorWrite(
            Orchestrator2026Workspace.Zone,
            () => OrchestratorSqlite.SetStatusAsync(workspace.Database, Documenter, "failed"));
        var pass = new ReconcilePass(
            workspace.Tmux.ViewSource(),
            new RegistryStore(new RegistryStoreOptions(), new LockOptions()),
            time,
            new ReconcileOptions());

        var report = await pass.RunAsync(workspace.Root, ReconcileScope.Everything, PassMode.Repair, null, CancellationToken.None);

        Assert.True(time.Wrote);
        var task = Assert.Single(report.Outcomes);
        Assert.Equal([Documenter], task.Superseded.AsEnumerable());
        Assert.DoesNotContain(Documenter, task.Endings.Select(e => e.AgentId));
        var row = (await workspace.QueryAsync(
            "SELECT a.status, l.message FROM agents a JOIN agent_progress_latest l USING (task_id, agent_id) WHERE a.agent_id = ?", Documenter)).Single()!;
        Assert.Equal("failed", (string?)row["status"]);
        Assert.Equal("Status changed from running to failed", (string?)row["message"]);
        Assert.Null(workspace.LastProgressLine(Documenter));
    }

    [Fact]
    public async Task The_other_zombies_of_a_superseded_repair_are_still_ended()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        var time = new ClockThatLetsTheOrchestratorWrite(
            Orchestrator2026Workspace.Zone,
            () => OrchestratorSqlite.SetStatusAsync(workspace.Database, Documenter, "failed"));
        var pass = new ReconcilePass(workspace.Tmux.ViewSource(), new RegistryStore(new RegistryStoreOptions(), new LockOptions()), time, new ReconcileOptions());

        var report = await pass.RunAsync(workspace.Root, ReconcileScope.Everything, PassMode.Repair, null, CancellationToken.None);

        var others = Orchestrator2026Workspace.ExpectedZombies.Select(z => (string)z["agent_id"]!).Where(id => id != Documenter).Order(StringComparer.Ordinal);
        Assert.Equal(others, report.Outcomes.Single().Endings.Select(e => e.AgentId).Order(StringComparer.Ordinal));
        Assert.All(others, id => Assert.NotNull(workspace.LastProgressLine(id)));
    }

    /// <summary>The fixture's time zone, and one orchestrator write run (to its end) the first time the clock is read.</summary>
    private sealed class ClockThatLetsTheOrchestratorWrite(TimeZoneInfo zone, Func<Task> write) : TimeProvider
    {
        private int _wrote;

        public bool Wrote => Volatile.Read(ref _wrote) == 1;

        public override TimeZoneInfo LocalTimeZone => zone;

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Exchange(ref _wrote, 1) == 0)
            {
                // TimeProvider has no async read: the pass waits here, as it would wait on a slow clock.
                Task.Run(write).GetAwaiter().GetResult();
            }

            return base.GetUtcNow();
        }
    }
}
