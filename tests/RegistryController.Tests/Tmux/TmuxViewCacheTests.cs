using RegistryController.Tests.Support;
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
    public async Task Concurrent_refreshes_share_one_tmux_call()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a"]);
        var counting = new CountingSource(tmux.ViewSource());
        var cache = new TmuxViewCache(counting, TimeProvider.System);

        var views = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => cache.RefreshAsync(CancellationToken.None)));

        Assert.All(views, v => Assert.Same(views[0], v));
        Assert.Equal(1, counting.Calls);
    }

    private sealed class CountingSource(ITmuxViewSource inner) : ITmuxViewSource
    {
        private int _calls;

        public int Calls => _calls;

        public Task<TmuxView> GetViewAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return inner.GetViewAsync(cancellationToken);
        }
    }
}
