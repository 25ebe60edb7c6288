using System.Collections.Immutable;
using RegistryController.Judgement;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

public class OrphanVerdictTests
{
    [Fact]
    public void A_session_named_by_another_tasks_registry_is_not_an_orphan_when_judging_one_task()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1")),
            TaskRegistry("TASK-B", Agent("b1")));
        var onlyB = new ReconcileScope(false, ImmutableHashSet.Create("TASK-B"), false);

        var verdict = Judge(workspace, Listed("agent_a1", "agent_b1"), scope: onlyB);

        Assert.Empty(verdict.Orphans);
        Assert.True(verdict.OrphansComplete);
    }

    [Fact]
    public void An_agent_session_that_no_registry_names_is_an_orphan_with_its_creation_time()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("a1")));

        var verdict = Judge(workspace, Listed("agent_a1", "agent_stray"));

        Assert.Equal([new Orphan("agent_stray", SessionCreated)], verdict.Orphans.AsEnumerable());
    }

    [Fact]
    public void Only_sessions_whose_name_starts_with_agent_underscore_can_be_orphans()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("a1")));

        var verdict = Judge(workspace, Listed("agent_a1", "main", "work", "agent-dash", "my_agent_x", "Agent_upper", "agent_z"));

        Assert.Equal(["agent_z"], verdict.Orphans.Select(o => o.Session));
    }

    [Fact]
    public void The_sessions_named_of_a_view_are_those_it_lists_that_some_agent_names()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1"), Agent("a2")),
            GlobalRegistry(1, Entry("g1", "TASK-GONE", status: "completed")));

        var named = Reconciler.NamedSessions(workspace, Listed("agent_a1", "agent_g1", "agent_stray"));

        Assert.Equal(["agent_a1", "agent_g1"], named.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Orphans_are_listed_in_name_order()
    {
        var verdict = Judge(WorkspaceOf(TaskRegistry("TASK-A", Agent("a1"))), Listed("agent_c", "agent_a", "agent_b"));

        Assert.Equal(["agent_a", "agent_b", "agent_c"], verdict.Orphans.Select(o => o.Session));
    }

    [Fact]
    public void A_session_named_only_by_the_global_registry_is_not_an_orphan()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1")),
            GlobalRegistry(1, Entry("a1", "TASK-A"), Entry("old", "TASK-GONE", status: "completed")));

        var verdict = Judge(workspace, Listed("agent_a1", "agent_old"));

        Assert.Empty(verdict.Orphans);
    }

    [Fact]
    public void A_session_named_by_a_terminal_agent_is_not_an_orphan()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("a1", status: "completed")));

        var verdict = Judge(workspace, Listed("agent_a1"));

        Assert.Empty(verdict.Orphans);
    }

    [Fact]
    public void Orphans_are_incomplete_when_a_registry_could_not_be_read()
    {
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", Agent("a1")), UnreadableTask("TASK-B"));

        var verdict = Judge(workspace, Listed("agent_a1", "agent_maybe_b"));

        Assert.False(verdict.OrphansComplete);
        Assert.Equal(["agent_maybe_b"], verdict.Orphans.Select(o => o.Session));
    }

    [Fact]
    public void Orphans_are_complete_when_every_registry_was_read()
    {
        var verdict = Judge(WorkspaceOf(TaskRegistry("TASK-A", Agent("a1"))), Listed("agent_a1", "agent_stray"));

        Assert.True(verdict.OrphansComplete);
    }
}
