using Microsoft.Extensions.Time.Testing;
using RegistryController.Runtime;

namespace RegistryController.Tests.Runtime;

/// <summary>
/// The work queue on a fake clock: nothing here waits for real time. A take that finds a ready key
/// completes synchronously, so "is anything ready now?" is asked by starting a take and looking at
/// whether it has completed.
/// </summary>
public sealed class WorkQueueTests : IDisposable
{
    private static readonly WorkQueueOptions Options = new()
    {
        QuietWindow = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromMilliseconds(500),
        BackoffBase = TimeSpan.FromMilliseconds(200),
        BackoffMax = TimeSpan.FromSeconds(30),
    };

    private readonly FakeTimeProvider _time = new();
    private readonly WorkQueue<string> _queue;

    public WorkQueueTests()
    {
        _queue = new WorkQueue<string>(Options, _time);
    }

    public void Dispose() => _queue.Dispose();

    [Fact]
    public async Task A_key_added_many_times_while_pending_is_handed_out_once_with_every_trigger()
    {
        _queue.Add("a", Trigger.File, "write-1");
        _queue.Add("a", Trigger.File, "write-2");
        _queue.Add("a", Trigger.Tmux, "session-died");
        _queue.Add("a", Trigger.Resync);
        Assert.Equal(1, _queue.Depth);

        _time.Advance(Options.QuietWindow);
        var item = await TakeNowAsync();

        Assert.NotNull(item);
        Assert.Equal("a", item.Key);
        Assert.Equal([Trigger.File, Trigger.Tmux, Trigger.Resync], item.Triggers.Order().ToArray());
        Assert.Equal(["write-1", "write-2", "session-died"], item.Causes.ToArray());
        _queue.Done("a");
        Assert.Equal((0, 0), (_queue.Depth, _queue.InFlight));
    }

    [Fact]
    public async Task A_key_added_while_a_worker_holds_it_goes_to_no_other_worker_and_comes_back_after_done()
    {
        _queue.Add("a", Trigger.File);
        _time.Advance(Options.QuietWindow);
        var first = await TakeNowAsync();
        Assert.Equal("a", first?.Key);

        _queue.Add("a", Trigger.Tmux);
        _queue.Add("b", Trigger.File);
        _time.Advance(TimeSpan.FromSeconds(1));
        // A second worker, with "a" re-added long ago and "b" ready too, gets "b": "a" is held.
        var second = await TakeNowAsync();
        Assert.Equal("b", second?.Key);
        Assert.Null(await TakeNowAsync());

        _queue.Done("a");
        var third = await TakeNowAsync();
        Assert.Equal("a", third?.Key);
        Assert.Equal([Trigger.Tmux], third!.Triggers.ToArray());
    }

    [Fact]
    public async Task Adds_within_the_quiet_window_coalesce_into_one_item_ready_a_window_after_the_last_add()
    {
        _queue.Add("a", Trigger.File, "w1");
        _time.Advance(TimeSpan.FromMilliseconds(30));
        _queue.Add("a", Trigger.File, "w2");
        _time.Advance(TimeSpan.FromMilliseconds(30));

        // 60 ms after the first add, but only 30 ms after the second: still quiet-window pending.
        Assert.Null(await TakeNowAsync());
        _time.Advance(TimeSpan.FromMilliseconds(20));
        var item = await TakeNowAsync();

        Assert.Equal(["w1", "w2"], item?.Causes.ToArray());
        Assert.Equal(0, _queue.Depth);
    }

    [Fact]
    public async Task Under_a_continuous_burst_a_key_is_handed_out_no_later_than_max_delay_after_its_first_add()
    {
        var step = TimeSpan.FromMilliseconds(20);
        var start = _time.GetUtcNow();
        _queue.Add("a", Trigger.File);
        WorkItem<string>? item = null;
        var adds = 1;
        while (item is null && _time.GetUtcNow() - start < TimeSpan.FromSeconds(5))
        {
            // A write every 20 ms never leaves a 50 ms quiet window.
            _time.Advance(step);
            item = await TakeNowAsync();
            _queue.Add("a", Trigger.File);
            adds++;
        }

        var handedOutAfter = _time.GetUtcNow() - start;
        Assert.NotNull(item);
        Assert.InRange(handedOutAfter, Options.MaxDelay, Options.MaxDelay + step);
        Assert.True(adds > 20, $"the burst had {adds} adds");
    }

    [Fact]
    public async Task Failures_back_off_exponentially_within_the_jitter_bounds_and_forget_starts_again()
    {
        for (var failure = 1; failure <= 6; failure++)
        {
            var delay = _queue.AddRateLimited("a");

            var ceiling = Options.BackoffBase * Math.Pow(2, failure - 1);
            Assert.InRange(delay, ceiling / 2, ceiling);
            _time.Advance(delay - TimeSpan.FromMilliseconds(1));
            Assert.Null(await TakeNowAsync());
            _time.Advance(TimeSpan.FromMilliseconds(2));
            var item = await TakeNowAsync();
            Assert.Equal(("a", failure), (item?.Key, item?.Failures));
            Assert.Equal([Trigger.Retry], item!.Triggers.ToArray());
            _queue.Done("a");
        }

        _queue.Forget("a");
        var afterForget = _queue.AddRateLimited("a");

        Assert.InRange(afterForget, Options.BackoffBase / 2, Options.BackoffBase);
    }

    [Fact]
    public void Backoff_never_exceeds_its_maximum()
    {
        var delays = Enumerable.Range(0, 40).Select(_ => _queue.AddRateLimited("a")).ToList();

        Assert.All(delays, d => Assert.True(d <= Options.BackoffMax, $"{d} > {Options.BackoffMax}"));
        Assert.True(delays[^1] >= Options.BackoffMax / 2, $"the 40th failure waits only {delays[^1]}");
    }

    [Fact]
    public async Task Depth_counts_pending_keys_not_adds_nor_keys_being_processed()
    {
        _queue.Add("a", Trigger.File);
        _queue.Add("b", Trigger.File);
        _queue.Add("c", Trigger.File);
        _queue.Add("a", Trigger.Tmux);
        Assert.Equal(3, _queue.Depth);

        _time.Advance(Options.QuietWindow);
        var taken = await TakeNowAsync();

        Assert.NotNull(taken);
        Assert.Equal((2, 1), (_queue.Depth, _queue.InFlight));
    }

    [Fact]
    public async Task Shut_down_hands_null_to_a_waiting_taker_and_to_every_later_take()
    {
        var waiting = _queue.TakeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        _queue.ShutDown();

        Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        _queue.Add("a", Trigger.File);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await _queue.TakeAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    /// <summary>The item ready right now, or null when none is (the pending take is cancelled).</summary>
    private async Task<WorkItem<string>?> TakeNowAsync()
    {
        using var cancel = new CancellationTokenSource();
        var take = _queue.TakeAsync(cancel.Token);
        if (take.IsCompleted)
        {
            return await take;
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => take);
        return null;
    }
}
