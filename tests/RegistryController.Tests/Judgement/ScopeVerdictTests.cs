using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

public class ScopeVerdictTests
{
    private static readonly ReconcileScope OnlyA = new(false, ImmutableHashSet.Create("TASK-A"), false);

    [Fact]
    public void A_scope_of_one_task_gives_a_verdict_for_that_task_only()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a-gone")),
            TaskRegistry("TASK-B", Agent("b-gone")),
            GlobalRegistry(2, Entry("a-gone", "TASK-A"), Entry("b-gone", "TASK-B")));

        var verdict = Judge(workspace, Listed(), scope: OnlyA);

        var only = Assert.Single(verdict.Registries);
        Assert.Equal((RegistryKind.Task, "TASK-A"), (only.Registry.Kind, only.Registry.TaskId));
        Assert.Equal(["a-gone"], verdict.AllZombies().Select(z => z.AgentId));
        Assert.Equal(["a-gone"], verdict.AllEdits().OfType<EndAgent>().Select(t => t.AgentId));
    }

    [Fact]
    public void A_scope_of_the_global_registry_alone_judges_it_against_every_task()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1"), Agent("a2")),
            GlobalRegistry(7, Entry("a1", "TASK-A"), Entry("a2", "TASK-A")));
        var globalOnly = new ReconcileScope(false, [], true);

        var verdict = Judge(workspace, Listed("agent_a1", "agent_a2"), scope: globalOnly);

        var only = Assert.Single(verdict.Registries);
        Assert.Equal(RegistryKind.Global, only.Registry.Kind);
        Assert.Equal([new SetCounter("active_agents", 7, 2)], only.Plan!.Edits.AsEnumerable());
    }

    [Fact]
    public void Orphans_are_computed_across_the_whole_workspace_whatever_the_scope()
    {
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", Agent("a1")),
            TaskRegistry("TASK-B", Agent("b1")));

        var verdict = Judge(workspace, Listed("agent_a1", "agent_b1", "agent_stray"), scope: OnlyA);

        Assert.Equal(["agent_stray"], verdict.Orphans.Select(o => o.Session));
    }

    [Fact]
    public void The_mass_guard_weighs_a_scoped_pass_against_the_whole_workspaces_active_agents()
    {
        // Task A alone would be 5 of 5; the workspace has 11 active agents, so 5 is not more than half.
        var a = Enumerable.Range(0, 5).Select(i => Agent($"a{i}")).ToArray();
        var b = Enumerable.Range(0, 6).Select(i => Agent($"b{i}")).ToArray();
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", a), TaskRegistry("TASK-B", b));
        var view = Listed([.. b.Select(x => x.TmuxSession!)]);

        var verdict = Judge(workspace, view, scope: OnlyA);

        Assert.False(verdict.Guard.Holds);
        Assert.Equal((5, 11), (verdict.Guard.WouldTerminate, verdict.Guard.ActiveAgents));
        Assert.Equal(5, verdict.AllEdits().OfType<EndAgent>().Count());
    }

    [Fact]
    public void The_mass_guard_counts_only_the_zombies_of_the_tasks_in_scope()
    {
        // Ten of ten agents have no session, but only task A's five are judged in this pass.
        var a = Enumerable.Range(0, 5).Select(i => Agent($"a{i}")).ToArray();
        var b = Enumerable.Range(0, 5).Select(i => Agent($"b{i}")).ToArray();
        var workspace = WorkspaceOf(TaskRegistry("TASK-A", a), TaskRegistry("TASK-B", b));

        var verdict = Judge(workspace, Listed(), scope: OnlyA);

        Assert.Equal((5, 10), (verdict.Guard.WouldTerminate, verdict.Guard.ActiveAgents));
        Assert.False(verdict.Guard.Holds);
    }
}
