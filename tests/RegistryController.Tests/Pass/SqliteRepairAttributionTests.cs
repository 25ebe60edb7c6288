using RegistryController.Registry;

namespace RegistryController.Tests.Pass;

/// <summary>
/// A repair's outcomes belong to the task whose row was written: keyed by (task, agent), as the compare-and-set and
/// <c>agent_progress_latest</c> are, never by the agent id alone.
/// </summary>
public class SqliteRepairAttributionTests
{
    private const string Builder = "builder-092433-ebff80";
    private const string OtherTask = "TASK-20261130-100000-0badf00d";

    [Fact]
    public async Task A_progress_line_problem_is_said_for_the_task_of_its_agent_not_for_another_task_with_an_agent_of_the_same_id()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await OrchestratorSqlite.DropAgentKeyAsync(workspace.Database);
        var started = (string)(await workspace.QueryAsync("SELECT started_at FROM agents WHERE agent_id = ?", Builder)).Single()!["started_at"]!;
        // The same agent id, a zombie too, in a task whose directory is gone: its line cannot be written.
        await OrchestratorSqlite.ExecuteAsync(
            workspace.Database,
            $"INSERT INTO tasks(task_id, workspace, status, created_at, updated_at) VALUES ('{OtherTask}', '{OtherTask}', 'ACTIVE', '{started}', '{started}')",
            $"INSERT INTO agents(agent_id, task_id, type, tmux_session, status, started_at, progress, last_update) VALUES ('{Builder}', '{OtherTask}', 'builder', 'agent_{Builder}', 'running', '{started}', 0, '{started}')");

        var report = await workspace.RepairInProcessAsync();

        var fixture = report.Outcomes.Single(o => o.Verdict.Registry.TaskId == OrchestratorSqlite.TaskId);
        var other = report.Outcomes.Single(o => o.Verdict.Registry.TaskId == OtherTask);
        Assert.Contains(fixture.Applied.OfType<EndAgent>(), e => e.AgentId == Builder);
        Assert.Empty(fixture.AuditProblems);
        Assert.Single(workspace.ReconciledLines(Builder));
        Assert.Contains("does not exist", Assert.Single(other.AuditProblems), StringComparison.Ordinal);
    }
}
