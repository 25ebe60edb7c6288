using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using RegistryController.Controller;
using RegistryController.Tmux;

namespace RegistryController.Tests.Controller;

public class TmuxControlModeSourceTests
{
    // Well below the scan interval and the old back-off's later gaps (1–5 s): only a push or an
    // immediate reattach gets there in time, on a loaded 2-core machine too.
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task A_session_killed_while_attached_is_signalled_and_a_new_look_sees_it_gone()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a", "agent_b", "agent_c"]);
        await using var watch = await Watch.StartAsync(tmux);

        var gone = watch.SeenGone("agent_b");
        await tmux.Server.KillSessionAsync("agent_b");

        await gone.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Stopping_ends_the_control_client_and_leaves_no_client_on_the_server()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a"]);
        var watch = await Watch.StartAsync(tmux);
        Assert.Equal(1, await tmux.ControlClientsAsync());

        // Its input closed, the client ends by itself: the source stops (cancelled, not detached) and attaches no more.
        await watch.DisposeAsync();

        await Eventually.Until(async () => await tmux.ControlClientsAsync() == 0, TimeSpan.FromSeconds(5), "the control client is gone");
    }

    [Fact]
    public async Task The_client_attaches_to_the_oldest_session_not_the_first_by_name()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["zz_oldest"]);
        var oldest = (await tmux.ViewSource().GetViewAsync(CancellationToken.None)).Sessions["zz_oldest"].Created!.Value;
        // tmux keeps creation times in whole seconds: the younger sessions must be a second younger.
        await Eventually.Until(() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() > oldest.ToUnixTimeSeconds(), TimeSpan.FromSeconds(3), "a second has passed");
        await tmux.Server.NewSessionAsync("aa_young");
        await tmux.Server.NewSessionAsync("agent_b");

        await using var watch = await Watch.StartAsync(tmux);

        Assert.Equal("zz_oldest", watch.Source.AttachedSession);
        Assert.Equal("zz_oldest", await tmux.ControlClientSessionAsync());
    }

    [Fact]
    public async Task When_its_own_session_is_killed_the_client_attaches_again_and_a_later_death_is_still_pushed()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a", "agent_b", "agent_c"]);
        await using var watch = await Watch.StartAsync(tmux);
        var first = watch.Source.AttachedSession!;

        await tmux.Server.KillSessionAsync(first);
        await Eventually.Until(() => watch.Source.AttachedSession is { } s && s != first, Soon, $"attached again after {first} died");
        var second = watch.Source.AttachedSession!;
        Assert.Equal(second, await tmux.ControlClientSessionAsync());

        var other = new[] { "agent_a", "agent_b", "agent_c" }.First(s => s != first && s != second);
        var gone = watch.SeenGone(other);
        await tmux.Server.KillSessionAsync(other);
        await gone.WaitAsync(Soon);
    }

    [Fact]
    public async Task After_the_tmux_server_is_killed_and_started_again_a_death_is_pushed_again()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a", "agent_b"]);
        await using var watch = await Watch.StartAsync(tmux);

        await tmux.Server.KillServerAsync();
        await Eventually.Until(() => !watch.Source.Connected, Soon, "the control client left with the server");
        await tmux.Server.StartAsync(["agent_a", "agent_b", "agent_c"]);
        await Eventually.Until(() => watch.Source.Connected, Soon, "attached to the new server");

        var gone = watch.SeenGone("agent_c");
        await tmux.Server.KillSessionAsync("agent_c");
        await gone.WaitAsync(Soon);
    }

    [Fact]
    public async Task The_back_off_does_not_grow_across_successful_attaches()
    {
        await using var tmux = await TmuxTestServer.StartAsync(Enumerable.Range(1, 9).Select(i => $"agent_{i}"));
        await using var watch = await Watch.StartAsync(tmux);

        // Seven detaches in a row: were they counted as failures, the back-off would have grown to seconds by
        // the seventh. Each reattach must come well within that (a loaded machine spawns tmux slowly), and the
        // failure count, which is what the back-off grows from, must stay at zero throughout.
        for (var i = 0; i < 7; i++)
        {
            var attached = watch.Source.AttachedSession!;
            await tmux.Server.KillSessionAsync(attached);
            await Eventually.Until(() => watch.Source.AttachedSession is { } s && s != attached, TimeSpan.FromSeconds(3), $"attached again after detach {i + 1}");
            Assert.Equal(0, watch.Source.ConsecutiveFailures);
        }
    }

    [Fact]
    public async Task Failures_to_attach_in_a_row_are_counted_and_an_attach_resets_the_count()
    {
        await using var tmux = await TmuxTestServer.StartAsync([]);
        await using var watch = Watch.Start(tmux);
        await Eventually.Until(() => watch.Source.ConsecutiveFailures >= 2, TimeSpan.FromSeconds(5), "two failures to attach to a server with no session");

        await tmux.Server.NewSessionAsync("agent_a");

        await Eventually.Until(() => watch.Source.Connected, TimeSpan.FromSeconds(10), "attached once a session exists");
        Assert.Equal(0, watch.Source.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_fault_inside_one_attach_does_not_end_the_push()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a", "agent_b"]);
        var views = new TmuxViewCache(tmux.ViewSource(), TimeProvider.System);
        var signals = 0;
        var signalledAfterTheFault = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new TmuxControlModeSource(
            tmux.Options,
            views,
            () =>
            {
                // The first signal (the attach itself) fails, as an unexpected fault anywhere in an attach would.
                if (Interlocked.Increment(ref signals) == 1)
                {
                    throw new InvalidOperationException("a fault inside the attach");
                }

                signalledAfterTheFault.TrySetResult();
            },
            NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(stop.Token);

        await signalledAfterTheFault.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.Until(() => source.Connected, TimeSpan.FromSeconds(10), "attached again after the fault");
        Assert.False(running.IsCompleted);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Theory]
    [InlineData(1, 50)]
    [InlineData(2, 100)]
    [InlineData(3, 200)]
    [InlineData(7, 3200)]
    [InlineData(8, 5000)]
    [InlineData(1000, 5000)]
    public void The_retry_delay_doubles_with_each_failure_in_a_row_up_to_five_seconds(int failures, double fullMs)
    {
        Assert.Equal(fullMs, TmuxControlModeSource.RetryDelay(failures, jitter: 1).TotalMilliseconds, precision: 6);
        Assert.Equal(fullMs / 2, TmuxControlModeSource.RetryDelay(failures, jitter: 0).TotalMilliseconds, precision: 6);
    }

    [Fact]
    public void With_equal_creation_times_the_first_session_by_name_is_chosen()
    {
        var created = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var view = TmuxView.Listed(
            [new TmuxSession("agent_b", created, 1, 0), new TmuxSession("agent_a", created, 1, 0), new TmuxSession("agent_young", created.AddSeconds(1), 1, 0)],
            "test",
            TimeSpan.Zero);

        Assert.Equal("agent_a", TmuxControlModeSource.ChooseTarget(view));
    }

    /// <summary>A control-mode source whose only reaction to a signal is a fresh look, as the controller's scan does.</summary>
    private sealed class Watch : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaitedGone = new(StringComparer.Ordinal);
        private readonly TmuxViewCache _views;
        private Task? _running;

        private Watch(TmuxTestServer tmux)
        {
            _views = new TmuxViewCache(tmux.ViewSource(), TimeProvider.System);
            Source = new TmuxControlModeSource(tmux.Options, _views, () => _ = LookAsync(), NullLogger.Instance);
        }

        public TmuxControlModeSource Source { get; }

        public static Watch Start(TmuxTestServer tmux)
        {
            var watch = new Watch(tmux);
            watch._running = watch.Source.RunAsync(watch._stop.Token);
            return watch;
        }

        /// <summary>Started, and attached: from then on a death is pushed.</summary>
        public static async Task<Watch> StartAsync(TmuxTestServer tmux)
        {
            var watch = Start(tmux);
            await Eventually.Until(() => watch.Source.Connected, TimeSpan.FromSeconds(10), "the control client is attached");
            return watch;
        }

        /// <summary>Completes when a look caused by a signal no longer sees <paramref name="session"/>.</summary>
        public Task SeenGone(string session) =>
            _awaitedGone.GetOrAdd(session, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_running is not null)
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _running);
            }

            _stop.Dispose();
        }

        private async Task LookAsync()
        {
            var view = (await _views.RefreshAsync(CancellationToken.None)).View;
            if (view.Status != TmuxViewStatus.Listed)
            {
                return;
            }

            foreach (var (session, seen) in _awaitedGone)
            {
                if (!view.Sessions.ContainsKey(session))
                {
                    seen.TrySetResult();
                }
            }
        }
    }
}
