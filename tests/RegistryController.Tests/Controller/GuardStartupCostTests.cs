using RegistryController.Generation;
using RegistryController.Runtime;

namespace RegistryController.Tests.Controller;

/// <summary>
/// What a start-up costs when the mass guard trips, counted rather than timed: every task registry then has zombies
/// and asks for the workspace's verdict, which once judged the whole workspace each time (quadratic start-up).
/// </summary>
public class GuardStartupCostTests
{
    /// <summary>Starts the controller on <paramref name="tasks"/> registries, two of each three agents' sessions gone.</summary>
    private static async Task<(long Judgements, long Held, long Comparisons)> StartUpAsync(int tasks)
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks, new AgentMix(Live: 1, Zombie: 2));
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Controller:GuardHold"] = "never");
        await controller.WaitForIdleQueueAsync(TimeSpan.FromSeconds(30));
        return (controller.Cache.GuardJudgements, controller.Status.Count(ReconcileOutcome.Held), controller.Cache.Guard.Comparisons);
    }

    [Fact]
    public async Task A_start_up_with_the_guard_tripping_judges_twice_the_registries_at_a_cost_that_doubles_not_quadruples()
    {
        const int Tasks = 15;

        var small = await StartUpAsync(Tasks);
        var large = await StartUpAsync(2 * Tasks);

        Assert.True(small.Held >= Tasks && large.Held >= 2 * Tasks, $"the guard held every task registry ({small.Held} of {Tasks}, {large.Held} of {2 * Tasks})");
        // Judging the whole workspace per reconcile costs tasks² (225, then 900): 4×. Once per change it is a few
        // judgements per registry: 2×.
        var growth = (double)large.Judgements / small.Judgements;
        Assert.True(growth < 2.6, $"{small.Judgements} registry judgements for {Tasks} registries, {large.Judgements} for {2 * Tasks}: {growth:0.00}×");
        Assert.True(large.Judgements <= 4 * 2 * Tasks, $"{large.Judgements} registry judgements for {2 * Tasks} registries");
    }

    [Fact]
    public async Task A_start_up_with_the_guard_tripping_compares_the_held_verdicts_agents_once_per_change_not_once_per_registry()
    {
        const int Tasks = 30;

        var (_, held, comparisons) = await StartUpAsync(Tasks);

        Assert.True(held >= Tasks, $"the guard held every task registry ({held} of {Tasks})");
        // Each comparison copies the verdict's agents (two per registry here): once per registry made a start-up
        // quadratic. The verdict changes only while the cache's tally is built and when a registry's zombies change.
        Assert.True(comparisons <= 3, $"{comparisons} comparisons of the verdict's agents for {Tasks} held registries");
    }
}
