using RegistryController.Controller;
using RegistryController.Tmux;

namespace RegistryController.Tests.Controller;

/// <summary>Which sessions changed between two looks: the names whose registries a look re-queues.</summary>
public class TmuxSessionDiffTests
{
    private static TmuxView Listed(params TmuxSession[] sessions) => TmuxView.Listed(sessions, "test", TimeSpan.Zero);

    [Fact]
    public void The_same_listing_seen_again_changed_nothing()
    {
        var before = Listed(new TmuxSession("agent_a", null, 1, 0));
        var again = before with { Duration = TimeSpan.FromMilliseconds(3) };

        Assert.Empty(TmuxSessionDiff.Changed(before, again)!);
    }

    [Fact]
    public void A_session_gone_one_come_and_one_whose_panes_all_died_are_the_changes()
    {
        var before = Listed(new TmuxSession("agent_gone", null, 1, 0), new TmuxSession("agent_dying", null, 1, 0), new TmuxSession("agent_same", null, 1, 0));
        var after = Listed(new TmuxSession("agent_dying", null, 1, 1), new TmuxSession("agent_same", null, 1, 0), new TmuxSession("agent_new", null, 1, 0));

        Assert.Equal(["agent_dying", "agent_gone", "agent_new"], TmuxSessionDiff.Changed(before, after)!.Order(StringComparer.Ordinal));
    }
}
