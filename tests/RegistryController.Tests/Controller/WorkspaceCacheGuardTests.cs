using RegistryController.Controller;
using RegistryController.Judgement;
using RegistryController.Tmux;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Controller;

/// <summary>
/// The mass guard's verdict from the workspace cache's memo: always the verdict of judging the whole workspace
/// afresh, at the cost of judging again only what changed (a registry, the view's liveness, an agent's grace).
/// </summary>
public class WorkspaceCacheGuardTests
{
    /// <summary>Task <paramref name="task"/> with <paramref name="gone"/> agents whose sessions are gone and one that lives.</summary>
    private static RegistrySnapshot Task(int task, int gone, string? freshStartedAt = null)
    {
        var agents = Enumerable.Range(0, gone).Select(i => Agent($"gone{task}_{i}"))
            .Append(Agent($"live{task}"))
            .Concat(freshStartedAt is null ? [] : [Agent($"fresh{task}", startedAt: freshStartedAt)]);
        return TaskRegistry($"TASK-{task:000}", [.. agents]);
    }

    private static TmuxView LiveOnly(int tasks) => Listed([.. Enumerable.Range(0, tasks).Select(t => $"agent_live{t}")]);

    private static WorkspaceCache CacheOf(params RegistrySnapshot[] registries)
    {
        var cache = new WorkspaceCache(Root);
        foreach (var registry in registries)
        {
            cache.Update(registry);
        }

        return cache;
    }

    private static (GuardDecision Guard, string Zombies) Afresh(WorkspaceCache cache, TmuxView view, ClockReading clock)
    {
        var verdict = Reconciler.Judge(cache.Snapshot(), view, clock, Options, ReconcileScope.Everything);
        return (verdict.Guard, string.Join(' ', verdict.AllZombies().Select(z => z.AgentId).Distinct().Order(StringComparer.Ordinal)));
    }

    private static (GuardDecision Guard, string Zombies) Memo(WorkspaceCache cache, TmuxView view, ClockReading clock)
    {
        var (guard, zombies) = cache.JudgeGuard(view, clock, Options);
        return (guard, string.Join(' ', zombies.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void The_memos_verdict_is_the_verdict_of_judging_the_whole_workspace_afresh_after_each_change()
    {
        var cache = CacheOf(Task(0, 2), Task(1, 0), Task(2, 3), GlobalRegistry(null));
        var view = LiveOnly(3);
        Assert.Equal(Afresh(cache, view, Clock), Memo(cache, view, Clock));

        cache.Update(Task(1, 4));
        Assert.Equal(Afresh(cache, view, Clock), Memo(cache, view, Clock));

        cache.Update(UnreadableTask("TASK-002"));
        Assert.Equal(Afresh(cache, view, Clock), Memo(cache, view, Clock));

        cache.Forget(Task(0, 2).Path);
        Assert.Equal(Afresh(cache, view, Clock), Memo(cache, view, Clock));

        var crashed = NoServer();
        Assert.Equal(Afresh(cache, crashed, Clock), Memo(cache, crashed, Clock));
        Assert.True(Memo(cache, crashed, Clock).Guard.Holds);
    }

    [Fact]
    public void Judging_again_with_nothing_changed_judges_no_registry()
    {
        var cache = CacheOf(Task(0, 3), Task(1, 3), Task(2, 3));
        var (_, first) = cache.JudgeGuard(NoServer(), Clock, Options);
        var judged = cache.GuardJudgements;

        // A new look at the same (dead) server, a moment later.
        var (guard, again) = cache.JudgeGuard(NoServer(), Clock with { Now = Clock.Now.AddSeconds(1) }, Options);

        Assert.Equal(3, judged);
        Assert.Equal(judged, cache.GuardJudgements);
        Assert.Same(first, again);
        Assert.True(guard.Holds);
    }

    [Fact]
    public void A_changed_registry_is_the_only_one_judged_again()
    {
        var cache = CacheOf(Task(0, 3), Task(1, 3), Task(2, 3));
        cache.JudgeGuard(NoServer(), Clock, Options);
        var judged = cache.GuardJudgements;

        cache.Update(Task(1, 4));
        var (guard, _) = cache.JudgeGuard(NoServer(), Clock, Options);

        Assert.Equal(judged + 1, cache.GuardJudgements);
        Assert.Equal(13, guard.WouldTerminate);
    }

    [Fact]
    public void A_fresh_agent_whose_session_never_came_joins_the_verdict_once_its_grace_ends_though_its_registry_did_not_change()
    {
        var cache = CacheOf(Task(0, 2, freshStartedAt: Ago(Options.Grace / 2)), Task(1, 2));
        var view = LiveOnly(2);
        var before = Memo(cache, view, Clock);

        var later = Clock with { Now = Clock.Now + Options.Grace };
        var after = Memo(cache, view, later);

        Assert.DoesNotContain("fresh0", before.Zombies.Split(' '));
        Assert.Contains("fresh0", after.Zombies.Split(' '));
        Assert.Equal(Afresh(cache, view, later), after);
    }

    [Fact]
    public void A_view_that_shows_a_session_gone_judges_every_registry_again()
    {
        var cache = CacheOf(Task(0, 1), Task(1, 1));
        cache.JudgeGuard(LiveOnly(2), Clock, Options);
        var judged = cache.GuardJudgements;

        var view = LiveOnly(1);
        var memo = Memo(cache, view, Clock);

        Assert.Equal(judged + 2, cache.GuardJudgements);
        Assert.Contains("live1", memo.Zombies.Split(' '));
        Assert.Equal(Afresh(cache, view, Clock), memo);
    }
}
