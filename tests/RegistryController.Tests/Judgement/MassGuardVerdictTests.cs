using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Tmux;
using static RegistryController.Tests.Judgement.Verdicts;

namespace RegistryController.Tests.Judgement;

public class MassGuardVerdictTests
{
    /// <summary>
    /// A workspace of <paramref name="active"/> running agents split over two tasks, of which the
    /// first <paramref name="gone"/> have no session; the others are listed by tmux.
    /// </summary>
    private static (WorkspaceSnapshot Workspace, TmuxView View) Scenario(int gone, int active)
    {
        var agents = Enumerable.Range(0, active).Select(i => Agent($"agent{i:00}")).ToArray();
        var half = active / 2;
        var workspace = WorkspaceOf(
            TaskRegistry("TASK-A", agents[..half]),
            TaskRegistry("TASK-B", agents[half..]),
            GlobalRegistry(active, [.. agents.Select((a, i) => Entry(a.Id, i < half ? "TASK-A" : "TASK-B"))]));
        var view = Listed([.. agents.Skip(gone).Select(a => a.TmuxSession!)]);
        return (workspace, view);
    }

    [Theory]
    [InlineData(5, 9, true)]
    [InlineData(4, 4, false)]
    [InlineData(5, 10, false)]
    [InlineData(6, 10, true)]
    public void The_guard_trips_only_for_at_least_five_terminations_that_are_more_than_half_the_active_agents(int gone, int active, bool trips)
    {
        var (workspace, view) = Scenario(gone, active);

        var verdict = Judge(workspace, view);

        Assert.Equal(trips, verdict.Guard.Holds);
        Assert.Equal((gone, active), (verdict.Guard.WouldTerminate, verdict.Guard.ActiveAgents));
        Assert.Equal(trips ? 0 : gone, verdict.AllEdits().OfType<EndAgent>().Count());
    }

    [Fact]
    public void A_tripped_guard_still_reports_every_zombie()
    {
        var (workspace, view) = Scenario(5, 9);

        var verdict = Judge(workspace, view);

        Assert.Equal(5, verdict.AllZombies().Count());
    }

    [Fact]
    public void A_tripped_guard_plans_no_termination_anywhere_and_no_counter_follows_one()
    {
        var (workspace, view) = Scenario(5, 9);

        var verdict = Judge(workspace, view);

        Assert.Empty(verdict.AllEdits());
        Assert.All(verdict.Registries, r => Assert.Equal(r.Plan!.Before, r.Plan.After));
    }

    [Fact]
    public void A_tripped_guard_states_what_it_would_have_terminated_of_how_many()
    {
        var (workspace, view) = Scenario(5, 9);

        var verdict = Judge(workspace, view);

        Assert.Equal(new GuardDecision(Holds: true, Forced: false, WouldTerminate: 5, ActiveAgents: 9), verdict.Guard);
    }

    [Fact]
    public void With_force_the_guard_lets_the_terminations_through_and_says_so()
    {
        var (workspace, view) = Scenario(5, 9);

        var verdict = Judge(workspace, view, Options with { Force = true });

        Assert.False(verdict.Guard.Holds);
        Assert.True(verdict.Guard.Forced);
        Assert.Equal(5, verdict.AllEdits().OfType<EndAgent>().Count());
        Assert.Contains(new SetCounter("active_agents", 9, 4), verdict.GlobalPlan().Edits);
    }

    [Fact]
    public void Force_is_not_reported_when_the_guard_would_not_have_tripped()
    {
        var (workspace, view) = Scenario(4, 9);

        var verdict = Judge(workspace, view, Options with { Force = true });

        Assert.False(verdict.Guard.Tripped);
    }

    [Fact]
    public void The_guard_counts_a_no_server_view_like_any_other()
    {
        var (workspace, _) = Scenario(0, 9);

        var verdict = Judge(workspace, NoServer());

        Assert.True(verdict.Guard.Holds);
        Assert.Empty(verdict.AllEdits().OfType<EndAgent>());
    }
}
