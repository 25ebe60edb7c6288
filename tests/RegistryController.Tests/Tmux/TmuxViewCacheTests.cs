using RegistryController.Tmux;

namespace RegistryController.Tests.Tmux;

public class TmuxViewCacheTests
{
    [Fact]
    public async Task Each_refresh_takes_a_new_look_and_reports_the_previous_and_current_views()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a", "agent_b"]);
        var cache = new TmuxViewCache(tmux.ViewSource(), TimeProvider.System);
        var seen = new List<(int? Before, int After)>();
        cache.Refreshed += (previous, current) => seen.Add((previous?.Sessions.Count, current.Sessions.Count));

        await cache.RefreshAsync(CancellationToken.None);
        await tmux.Server.KillSessionAsync("agent_a");
        var second = await cache.RefreshAsync(CancellationToken.None);

        Assert.Equal([(null, 2), (2, 1)], seen);
        Assert.False(second.View.Sessions.ContainsKey("agent_a"));
    }

    [Fact]
    public async Task Refreshes_asked_for_while_one_runs_share_a_single_follow_up_look()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a"]);
        var gate = new TaskCompletionSource();
        var source = new GatedSource(tmux.ViewSource(), gate.Task);
        var cache = new TmuxViewCache(source, TimeProvider.System);

        var first = cache.RefreshAsync(CancellationToken.None);
        var burst = Enumerable.Range(0, 8).Select(_ => cache.RefreshAsync(CancellationToken.None)).ToList();
        gate.SetResult();
        await first;
        await Task.WhenAll(burst);

        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task A_refresh_asked_for_while_one_runs_sees_what_happened_after_it_asked()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a", "agent_b"]);
        var gate = new TaskCompletionSource();
        TmuxViewCache cache;

        var source = new GatedSource(tmux.ViewSource(), gate.Task);
        cache = new TmuxViewCache(source, TimeProvider.System);
        var first = cache.RefreshAsync(CancellationToken.None);
        await source.FirstLookTaken;
        await tmux.Server.KillSessionAsync("agent_b");
        var second = cache.RefreshAsync(CancellationToken.None);
        gate.SetResult();

        Assert.True((await first).View.Sessions.ContainsKey("agent_b"), "the first look was taken before the kill");
        Assert.False((await second).View.Sessions.ContainsKey("agent_b"));
    }

    /// <summary>Holds the first look open, after taking it, until the test lets it finish.</summary>
    private sealed class GatedSource(ITmuxViewSource inner, Task gate) : ITmuxViewSource
    {
        private readonly TaskCompletionSource _firstLook = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => _calls;

        public Task FirstLookTaken => _firstLook.Task;

        public async Task<TmuxView> GetViewAsync(CancellationToken cancellationToken)
        {
            var view = await inner.GetViewAsync(cancellationToken);
            if (Interlocked.Increment(ref _calls) == 1)
            {
                _firstLook.SetResult();
                await gate;
            }

            return view;
        }
    }

}
