using System.Diagnostics;

namespace RegistryController.Testing;

/// <summary>Polls a condition until it holds or a deadline passes: the way to wait for a controller that reacts on its own time.</summary>
public static class Eventually
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    public static Task Until(Func<bool> condition, TimeSpan timeout, string what) =>
        Until(() => Task.FromResult(condition()), timeout, what);

    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        if (await PollAsync(condition, timeout) is null)
        {
            Assert.Fail($"not within {timeout.TotalSeconds:0.#} s: {what}");
        }
    }

    /// <summary>Like <see cref="Until(Func{bool}, TimeSpan, string)"/>, returning how long it took.</summary>
    public static async Task<TimeSpan> HoldsAsync(Func<bool> condition, TimeSpan deadline, string what) =>
        await PollAsync(() => Task.FromResult(condition()), deadline)
            ?? throw new TimeoutException($"{what}: not true after {deadline.TotalSeconds:0.###} s");

    private static async Task<TimeSpan?> PollAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                return null;
            }

            await Task.Delay(Step);
        }

        return clock.Elapsed;
    }
}
