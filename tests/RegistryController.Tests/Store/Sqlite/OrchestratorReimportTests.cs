using RegistryController.Store.Sqlite;

namespace RegistryController.Tests.Store.Sqlite;

/// <summary>
/// Which agents the 2026 orchestrator's re-import would take from a task's JSON registry: those it lists; none without
/// the file; and, when the file is there but cannot be read here, possibly any (the caller then keeps the line where the
/// re-import reads it).
/// </summary>
public sealed class OrchestratorReimportTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void The_agents_a_task_registry_lists_are_re_imported()
    {
        var task = Task("""{"task_id": "T", "agents": [{"id": "a-1"}, {"agent_id": "a-2"}, {"id": "", "agent_id": "a-3"}]}""");

        Assert.Equal(["a-1", "a-2", "a-3"], OrchestratorReimport.AgentsOf(task)!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_task_without_a_registry_has_nothing_re_imported()
    {
        var task = _temp.Combine("TASK-none");
        Directory.CreateDirectory(task);

        Assert.Empty(OrchestratorReimport.AgentsOf(task)!);
    }

    [Fact]
    public void A_registry_that_cannot_be_read_here_is_unknown_not_empty()
    {
        // Python's json module reads NaN; System.Text.Json does not: the orchestrator may still re-import from it.
        var task = Task("""{"task_id": "T", "progress": NaN, "agents": [{"id": "a-1"}]}""");

        Assert.Null(OrchestratorReimport.AgentsOf(task));
    }

    public void Dispose() => _temp.Dispose();

    private string Task(string json)
    {
        var task = _temp.Combine($"TASK-{Guid.NewGuid():N}");
        Directory.CreateDirectory(task);
        File.WriteAllText(Path.Combine(task, "AGENT_REGISTRY.json"), json);
        return task;
    }
}
