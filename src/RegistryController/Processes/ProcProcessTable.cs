using System.Globalization;
using Mono.Unix.Native;

namespace RegistryController.Processes;

/// <summary>
/// Linux's process table, from <c>/proc</c>: <c>/proc/&lt;pid&gt;/stat</c> gives the state (field 3) and the start
/// (field 22, clock ticks since boot), <c>/proc/stat</c>'s <c>btime</c> the boot time in whole seconds. The start is
/// therefore known to within a second (btime is truncated, and moves a little when the wall clock is stepped): the
/// judgement allows for that. Only this host's processes in this pid namespace are visible.
/// </summary>
internal sealed class ProcProcessTable(string procRoot = "/proc") : IProcessTable
{
    /// <summary>
    /// USER_HZ, what <c>/proc</c> counts in: 100 on every Linux architecture since 2.6 (the kernel's own HZ may differ but
    /// is never exposed), used only when <c>sysconf</c> cannot answer.
    /// </summary>
    internal const long DefaultClockTicks = 100;

    private static readonly long ClockTicks = ReadClockTicks();

    public static ProcProcessTable Instance { get; } = new();

    public ProcessSighting Look(int pid)
    {
        if (pid <= 0)
        {
            return new ProcessSighting(pid, ProcessState.NotFound);
        }

        string stat;
        try
        {
            stat = File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "stat"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new ProcessSighting(pid, ProcessState.NotFound);
        }
        catch (UnauthorizedAccessException e)
        {
            return new ProcessSighting(pid, ProcessState.Unreadable, Problem: $"/proc/{pid}/stat: {e.Message}");
        }
        catch (IOException)
        {
            // ESRCH: the process ended between the open and the read.
            return new ProcessSighting(pid, ProcessState.NotFound);
        }

        if (Parse(stat) is not { } fields)
        {
            return new ProcessSighting(pid, ProcessState.Unreadable, Problem: $"/proc/{pid}/stat is not in the expected format");
        }

        if (fields.State is 'Z' or 'X' or 'x')
        {
            return new ProcessSighting(pid, ProcessState.Exited);
        }

        return new ProcessSighting(pid, ProcessState.Running, BootTime() is { } boot ? boot + TimeSpan.FromSeconds(fields.StartTicks / (double)ClockTicks) : null);
    }

    /// <summary>
    /// The state and start of a stat line. The command name (field 2) is in parentheses and may itself hold spaces and
    /// parentheses, so the fields are counted from the last ')'.
    /// </summary>
    internal static (char State, long StartTicks)? Parse(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }

        var rest = stat[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3 (state), so field 22 (starttime) is rest[19].
        return rest.Length > 19 && rest[0].Length == 1 && long.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? (rest[0][0], ticks)
            : null;
    }

    // Read on every look: btime moves when the wall clock is stepped, and a look happens only for agents in question.
    private DateTimeOffset? BootTime()
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(procRoot, "stat")))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return DateTimeOffset.FromUnixTimeSeconds(seconds);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unknown start: the judgement then cannot tell reuse and spares the process.
        }

        return null;
    }

    private static long ReadClockTicks()
    {
        try
        {
            var ticks = Syscall.sysconf(SysconfName._SC_CLK_TCK);
            return ticks > 0 ? ticks : DefaultClockTicks;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            return DefaultClockTicks;
        }
    }
}
