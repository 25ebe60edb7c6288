using System.Diagnostics;

namespace RegistryController.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes (no sleep standing in for a signal).</summary>
public static class Eventually
{
    public static async Task<TimeSpan> HoldsAsync(Func<bool> condition, TimeSpan deadline, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException($"{what}: not true after {deadline.TotalSeconds:0.###} s");
            }

            await Task.Delay(5);
        }

        return clock.Elapsed;
    }
}
