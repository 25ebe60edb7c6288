namespace RegistryController.Tests.Store.Sqlite;

public sealed class SqliteWorkspaceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Each_task_is_a_snapshot_of_its_own_agents_in_agent_id_order_each_with_its_place()
    {
        var workspace = await OrchestratorSqlite.SnapshotAfterAsync(_dir.Path,
            "INSERT INTO agents(agent_id, task_id, status) VALUES ('b2', 'TASK-B', 'completed')",
            "INSERT INTO agents(agent_id, task_id, status) VALUES ('b1', 'TASK-B', 'running')");

        var second = Assert.Single(workspace.Registries, r => r.TaskId == "TASK-B");
        Assert.Equal([("b1", 0, "running"), ("b2", 1, "completed")], second.Model!.Agents.Select(a => (a.Id, a.Index, a.Status!)).ToArray());
        var fixture = Assert.Single(workspace.Registries, r => r.TaskId == OrchestratorSqlite.TaskId);
        Assert.Equal(Enumerable.Range(0, fixture.Model!.Agents.Length), fixture.Model.Agents.Select(a => a.Index));
        Assert.All(fixture.Model.Agents, a => Assert.Equal(OrchestratorSqlite.TaskId, a.TaskId));
    }

    [Fact]
    public async Task Only_an_active_agent_is_given_the_paths_of_its_log_and_progress_files()
    {
        var workspace = await OrchestratorSqlite.SnapshotAfterAsync(_dir.Path,
            "INSERT INTO agents(agent_id, task_id, status) VALUES ('b1', 'TASK-B', 'running')",
            "INSERT INTO agents(agent_id, task_id, status) VALUES ('b2', 'TASK-B', 'completed')");

        var agents = Assert.Single(workspace.Registries, r => r.TaskId == "TASK-B").Model!.Agents;
        Assert.Equal(("logs/b1_stream.jsonl", "progress/b1_progress.jsonl"), (agents[0].LogFile, agents[0].ProgressFile));
        Assert.Equal((null, null), (agents[1].LogFile, agents[1].ProgressFile));
    }

    [Fact]
    public async Task Agents_of_task_ids_whose_bytes_differ_but_read_alike_are_one_task_and_none_is_lost()
    {
        // 0xFE and 0xFF are not UTF-8: both read as U+FFFD, while SQLite sorts the task between them apart, so the
        // rows of the one task id come in two runs.
        var workspace = await OrchestratorSqlite.SnapshotAfterAsync(_dir.Path,
            "INSERT INTO agents(agent_id, task_id, status) VALUES ('x1', x'fe', 'running')",
            "INSERT INTO agents(agent_id, task_id, status) VALUES ('y1', x'fe41', 'running')",
            "INSERT INTO agents(agent_id, task_id, status) VALUES ('x2', x'ff', 'completed')");

        var alike = Assert.Single(workspace.Registries, r => r.TaskId == "\uFFFD");
        Assert.Equal([("x1", 0), ("x2", 1)], alike.Model!.Agents.Select(a => (a.Id, a.Index)).ToArray());
        Assert.Equal("y1", Assert.Single(Assert.Single(workspace.Registries, r => r.TaskId == "\uFFFDA").Model!.Agents).Id);
    }
}
