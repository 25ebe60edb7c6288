using System.Diagnostics;

namespace RegistryController.Tests.Tmux;

/// <summary>Whether a process still runs, read from /proc, and a bounded wait for it to end.</summary>
internal static class ProcessProbe
{
    /// <summary>True while the process runs (a zombie waiting for its parent to reap it does not count).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Polls until none of <paramref name="pids"/> runs; returns those still running at the deadline.</summary>
    public static async Task<int[]> WaitUntilGoneAsync(IReadOnlyCollection<int> pids, TimeSpan deadline)
    {
        var stopwatch = Stopwatch.StartNew();
        while (pids.Any(IsRunning) && stopwatch.Elapsed < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        return [.. pids.Where(IsRunning)];
    }
}
