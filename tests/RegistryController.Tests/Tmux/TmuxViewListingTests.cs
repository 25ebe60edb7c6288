using System.Diagnostics;
using RegistryController.Tmux;

namespace RegistryController.Tests.Tmux;

/// <summary>What a real tmux 3.3a server on a private socket looks like through <see cref="TmuxCliViewSource"/>.</summary>
public class TmuxViewListingTests
{
    private static async Task<TmuxView> ViewAsync(TmuxTestServer tmux) => await tmux.ViewSource().GetViewAsync(CancellationToken.None);

    /// <summary>Looks until <paramref name="condition"/> holds (a pane's process exits on its own time), failing at the deadline.</summary>
    private static async Task<TmuxView> ViewOnceAsync(TmuxTestServer tmux, Func<TmuxView, bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var view = await ViewAsync(tmux);
            if (condition(view))
            {
                return view;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"tmux never showed the expected state; last view: {view.Status} {view.Detail} [{string.Join(", ", view.Sessions.Values)}]");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    [Fact]
    public async Task Sessions_are_listed_by_name_with_their_creation_time()
    {
        var before = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var tmux = await TmuxTestServer.StartAsync(["agent_one", "agent_two", "main"]);
        var after = DateTimeOffset.UtcNow;

        var view = await ViewAsync(tmux);

        Assert.True(view.Status == TmuxViewStatus.Listed, $"{view.Status}: {view.Detail}");
        Assert.Equal(["agent_one", "agent_two", "main"], view.Sessions.Keys.Order(StringComparer.Ordinal));
        Assert.All(view.Sessions.Values, s => Assert.InRange(s.Created!.Value, before, after));
        Assert.All(view.Sessions.Values, s => Assert.Equal((1, 0), (s.Panes, s.DeadPanes)));
    }

    [Fact]
    public async Task The_view_names_the_socket_it_looked_at()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_one"]);

        var view = await ViewAsync(tmux);

        Assert.Contains(tmux.SocketPath, view.Server, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_with_several_windows_and_panes_is_one_session_counting_every_pane()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_multi", "agent_single"]);
        await tmux.Server.RunAsync(["new-window", "-t", "=agent_multi:", "cat"]);
        await tmux.Server.RunAsync(["split-window", "-t", "=agent_multi:", "cat"]);

        var view = await ViewAsync(tmux);

        Assert.Equal(2, view.Sessions.Count);
        Assert.Equal((3, 0), (view.Sessions["agent_multi"].Panes, view.Sessions["agent_multi"].DeadPanes));
        Assert.Equal(1, view.Sessions["agent_single"].Panes);
    }

    [Fact]
    public async Task One_list_panes_call_serves_any_number_of_sessions()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"agent_{i:00}").ToArray();
        await using var tmux = await TmuxTestServer.StartAsync(names);
        using var wrapper = new FakeTmux(file => $"printf '%s\\n' \"$*\" >> '{file("calls.log")}'\nexec tmux \"$@\"");
        var source = new TmuxCliViewSource(tmux.Options with { Binary = wrapper.Binary });

        var view = await source.GetViewAsync(CancellationToken.None);

        Assert.Equal(names, view.Sessions.Keys.Order(StringComparer.Ordinal));
        var call = Assert.Single(await File.ReadAllLinesAsync(wrapper.PathOf("calls.log")));
        Assert.StartsWith($"-S {tmux.SocketPath} list-panes -a -F ", call, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_server_with_no_sessions_is_listed_as_empty_not_as_no_server()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_last"]);
        await tmux.Server.KillSessionAsync("agent_last");

        var view = await ViewAsync(tmux);

        Assert.True(view.Status == TmuxViewStatus.Listed, $"{view.Status}: {view.Detail}");
        Assert.Empty(view.Sessions);
    }

    [Fact]
    public async Task A_session_whose_pane_process_exited_under_remain_on_exit_has_all_panes_dead()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_alive"], deadPanes: ["agent_exited"]);

        var view = await ViewOnceAsync(tmux, v => v.Sessions.TryGetValue("agent_exited", out var s) && s.DeadPanes == 1);

        Assert.True(view.Sessions["agent_exited"].AllPanesDead);
        Assert.False(view.Sessions["agent_alive"].AllPanesDead);
    }

    [Fact]
    public async Task A_session_with_one_dead_and_one_live_pane_is_not_all_dead()
    {
        await using var tmux = await TmuxTestServer.StartAsync([], deadPanes: ["agent_mixed"]);
        await tmux.Server.RunAsync(["split-window", "-t", "=agent_mixed:", "cat"]);

        var view = await ViewOnceAsync(tmux, v => v.Sessions.TryGetValue("agent_mixed", out var s) && s.DeadPanes == 1);

        var session = view.Sessions["agent_mixed"];
        Assert.Equal(2, session.Panes);
        Assert.False(session.AllPanesDead);
    }

    [Fact]
    public async Task Session_names_with_spaces_and_odd_characters_are_read_whole()
    {
        // tmux rewrites ':' and '.' (and escapes '$', tabs) in names; these it keeps as given.
        string[] names = ["agent one two", "  leading", "trailing  ", "0 123 1700000000 looks-like-fields", "it's \"quoted\"; é ü 名前", "agent_plain"];
        await using var tmux = await TmuxTestServer.StartAsync(names);

        var view = await ViewAsync(tmux);

        Assert.True(view.Status == TmuxViewStatus.Listed, $"{view.Status}: {view.Detail}");
        Assert.Equal(names.Order(StringComparer.Ordinal), view.Sessions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((await tmux.Server.ListSessionsAsync()).Order(StringComparer.Ordinal), view.Sessions.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_server_listing_the_same_panes_again_gives_the_same_sessions_without_parsing_them_anew()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_one", "agent_two"]);
        var source = tmux.ViewSource();

        var first = await source.GetViewAsync(CancellationToken.None);
        var again = await source.GetViewAsync(CancellationToken.None);

        Assert.True(again.Status == TmuxViewStatus.Listed, $"{again.Status}: {again.Detail}");
        Assert.Same(first.Sessions, again.Sessions);
    }

    [Fact]
    public async Task A_listing_that_changed_since_the_last_look_is_read_afresh()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_one", "agent_two"]);
        var source = tmux.ViewSource();
        var first = await source.GetViewAsync(CancellationToken.None);

        await tmux.Server.KillSessionAsync("agent_two");
        await tmux.Server.RunAsync(["new-session", "-d", "-s", "agent_three", "cat"]);
        var after = await source.GetViewAsync(CancellationToken.None);

        Assert.Equal(["agent_one", "agent_two"], first.Sessions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["agent_one", "agent_three"], after.Sessions.Keys.Order(StringComparer.Ordinal));
    }
}
