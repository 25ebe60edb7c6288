using RegistryController.Locking;
using RegistryController.Registry;

namespace RegistryController.Tests.Locking;

/// <summary>
/// The lock pipeline is built only when an attempt first fails, and then goes on from that failure: the failure
/// counts as its first attempt. (Contention's back-off is jittered and may be next to nothing, so the count is
/// asserted where the delay is constant: the re-reads of a file that does not parse.)
/// </summary>
public class LockRetryTests
{
    private static readonly LockOptions Quick = new() { InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) };

    [Fact]
    public async Task A_lock_contended_twice_is_attempted_three_times_in_all()
    {
        var retry = new LockRetry(Quick);
        var calls = 0;

        var result = await retry.ExecuteAsync(() => ++calls <= 2 ? throw new LockContendedException("/tmp/r.json") : "read", CancellationToken.None);

        Assert.Equal("read", result);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_file_that_does_not_parse_is_read_once_more_per_configured_re_read_and_then_refused()
    {
        var retry = new LockRetry(Quick with { UnparsableRetries = 2, UnparsableDelay = TimeSpan.FromMilliseconds(1) });
        var calls = 0;

        await Assert.ThrowsAsync<RegistryFormatException>(() => retry.ExecuteAsync<string>(() => { calls++; throw Unparsable(); }, CancellationToken.None).AsTask());

        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task With_no_re_read_configured_a_file_that_does_not_parse_is_refused_after_one_read_with_its_own_error()
    {
        var retry = new LockRetry(Quick with { UnparsableRetries = 0 });
        var error = Unparsable();
        var calls = 0;

        var thrown = await Assert.ThrowsAsync<RegistryFormatException>(() => retry.ExecuteAsync<string>(() => { calls++; throw error; }, CancellationToken.None).AsTask());

        Assert.Same(error, thrown);
        Assert.Equal(1, calls);
    }

    private static RegistryFormatException Unparsable() => new("/tmp/r.json", "not valid JSON at line 1");
}
