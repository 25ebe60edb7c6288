using System.Globalization;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Pass;
using RegistryController.Store;

namespace RegistryController.Tests.Pass;

/// <summary>
/// The orchestrator-2026 fixture with a real process recorded in a row (<c>claude_pid</c>, or <c>cursor_pid</c> for an
/// agent with no session, as the cursor backend ran them): a sleeper this test starts and ends stands for the agent.
/// </summary>
public class SqliteProcessLivenessTests
{
    // Its session was gone at capture: without a process of its own it is a zombie.
    private const string Builder = "builder-092433-ebff80";

    [Fact]
    public async Task An_agent_whose_session_is_gone_but_whose_own_process_runs_is_not_ended()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await using var agent = ChildProcess.StartSleeper();
        await RecordAsync(workspace, "claude_pid", agent.Pid, startedNow: true);

        var report = await RepairAsync(workspace);

        var plan = report.Outcomes.Single().Verdict.Plan!;
        Assert.DoesNotContain(Builder, plan.Zombies.Select(z => z.AgentId));
        Assert.Contains(plan.Findings, f => f.Code == FindingCodes.ProcessOutlivesSession && f.Message.Contains(Builder, StringComparison.Ordinal));
        Assert.Equal("running", await StatusAsync(workspace));
    }

    [Fact]
    public async Task An_agent_whose_session_and_process_are_both_gone_is_ended_with_its_process_named()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        var agent = ChildProcess.StartSleeper();
        await RecordAsync(workspace, "claude_pid", agent.Pid, startedNow: true);
        await agent.DisposeAsync();

        var report = await RepairAsync(workspace);

        var zombie = report.Outcomes.Single().Verdict.Plan!.Zombies.Single(z => z.AgentId == Builder);
        Assert.Equal((ZombieReasons.SessionNotFound, ZombieReasons.ProcessNotFound), (zombie.Reason, zombie.Process?.Reason));
        Assert.Equal(agent.Pid, zombie.Process?.Sighting?.Pid);
        Assert.Equal("terminated", await StatusAsync(workspace));
    }

    [Fact]
    public async Task A_recorded_pid_whose_process_started_after_the_agent_does_not_keep_it_alive()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        // The row keeps its started_at of hours ago: this sleeper, started now, holds a pid the agent's process once had.
        await using var stranger = ChildProcess.StartSleeper();
        await RecordAsync(workspace, "claude_pid", stranger.Pid, startedNow: false);

        var report = await RepairAsync(workspace);

        var zombie = report.Outcomes.Single().Verdict.Plan!.Zombies.Single(z => z.AgentId == Builder);
        Assert.Equal(ZombieReasons.ProcessReused, zombie.Process?.Reason);
        Assert.Equal("terminated", await StatusAsync(workspace));
    }

    [Fact]
    public async Task An_agent_with_no_session_whose_process_runs_is_left_alone()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await using var agent = ChildProcess.StartSleeper();
        await RecordAsync(workspace, "cursor_pid", agent.Pid, startedNow: true, session: null);

        var report = await RepairAsync(workspace);

        var plan = report.Outcomes.Single().Verdict.Plan!;
        Assert.DoesNotContain(Builder, plan.Zombies.Select(z => z.AgentId));
        Assert.DoesNotContain(plan.Findings, f => f.Message.Contains(Builder, StringComparison.Ordinal));
        Assert.Equal("running", await StatusAsync(workspace));
    }

    [Fact]
    public async Task An_agent_with_no_session_whose_process_was_killed_is_ended_for_its_process()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        var agent = ChildProcess.StartSleeper();
        await RecordAsync(workspace, "cursor_pid", agent.Pid, startedNow: true, session: null);
        await agent.DisposeAsync();

        var report = await RepairAsync(workspace);

        var zombie = report.Outcomes.Single().Verdict.Plan!.Zombies.Single(z => z.AgentId == Builder);
        Assert.Equal((string.Empty, ZombieReasons.ProcessNotFound), (zombie.Session, zombie.Reason));
        Assert.Equal("terminated", await StatusAsync(workspace));
        Assert.Contains(ZombieReasons.ProcessNotFound, (string?)workspace.LastProgressLine(Builder)?["message"], StringComparison.Ordinal);
    }

    /// <summary>
    /// Records <paramref name="pid"/> in the builder's row; with <paramref name="startedNow"/> its started_at becomes now
    /// (after the process started, as the orchestrator writes it after spawning), else it keeps the fixture's.
    /// </summary>
    private static Task RecordAsync(Orchestrator2026Workspace workspace, string column, int pid, bool startedNow, string? session = "keep")
    {
        var started = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Orchestrator2026Workspace.Zone).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        var sets = new List<string> { $"{column} = {pid.ToString(CultureInfo.InvariantCulture)}" };
        if (startedNow)
        {
            sets.Add($"started_at = '{started}'");
        }

        if (session is null)
        {
            sets.Add("tmux_session = NULL");
        }

        return OrchestratorSqlite.ExecuteAsync(workspace.Database, $"UPDATE agents SET {string.Join(", ", sets)} WHERE agent_id = '{Builder}'");
    }

    // A minute on, out of the grace period of an agent started now; in the fixture's zone, where its naive times were written.
    private static Task<PassReport> RepairAsync(Orchestrator2026Workspace workspace) =>
        new ReconcilePass(
            workspace.Tmux.ViewSource(),
            new RegistryStore(new RegistryStoreOptions(), new LockOptions()),
            new ManualTime(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), Orchestrator2026Workspace.Zone),
            new ReconcileOptions()).RunAsync(workspace.Root, ReconcileScope.Everything, PassMode.Repair, null, CancellationToken.None);

    private static async Task<string?> StatusAsync(Orchestrator2026Workspace workspace) =>
        (string?)(await workspace.QueryAsync("SELECT status FROM agents WHERE agent_id = ?", Builder)).Single()!["status"];
}
