using Mono.Unix.Native;
using RegistryController.Processes;

namespace RegistryController.Tests.Processes;

/// <summary>The process table as /proc shows it, looked at for real processes this test starts.</summary>
public class ProcProcessTableTests
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_running_process_is_seen_running_since_it_started()
    {
        var before = DateTimeOffset.UtcNow;
        await using var child = ChildProcess.StartSleeper();
        var after = DateTimeOffset.UtcNow;

        var sighting = ProcProcessTable.Instance.Look(child.Pid);

        Assert.Equal(ProcessState.Running, sighting.State);
        var started = Assert.NotNull(sighting.StartedAt);
        Assert.InRange(started, before - Tolerance, after + Tolerance);
    }

    [Fact]
    public async Task A_process_that_was_killed_and_reaped_is_not_found()
    {
        var child = ChildProcess.StartSleeper();
        await child.DisposeAsync();

        Assert.Equal(ProcessState.NotFound, ProcProcessTable.Instance.Look(child.Pid).State);
    }

    [Fact]
    public async Task A_defunct_process_waiting_to_be_reaped_has_exited()
    {
        await using var parent = await ChildProcess.StartDefunctAsync();

        // The parent prints the pid right after fork: the child may not have exited yet.
        await Eventually.Until(() => ProcProcessTable.Instance.Look(parent.Pid).State != ProcessState.Running, TimeSpan.FromSeconds(10), "the forked child exits");

        Assert.Equal(ProcessState.Exited, ProcProcessTable.Instance.Look(parent.Pid).State);
    }

    [Fact]
    public async Task A_process_whose_name_holds_spaces_and_parentheses_is_read_from_after_its_name()
    {
        using var temp = new TempDirectory();
        var executable = temp.Combine("a) Z (b");
        File.Copy(ResolveOnPath("sleep"), executable);
        await using var child = ChildProcess.StartSleeper(executable);

        var sighting = ProcProcessTable.Instance.Look(child.Pid);

        Assert.Equal(ProcessState.Running, sighting.State);
        Assert.NotNull(sighting.StartedAt);
    }

    [Fact]
    public void A_pid_that_cannot_name_a_process_is_not_found()
    {
        Assert.Equal(ProcessState.NotFound, ProcProcessTable.Instance.Look(0).State);
    }

    [Fact]
    public void This_host_counts_process_starts_in_the_ticks_assumed_when_sysconf_cannot_answer()
    {
        Assert.Equal(ProcProcessTable.DefaultClockTicks, Syscall.sysconf(SysconfName._SC_CLK_TCK));
    }

    [Theory]
    [InlineData("123 (sleep) S 1 123 123 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 98765 8192 100 18446744073709551615", 'S', 98765L)]
    [InlineData("7 (a) Z (b) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0 0", 'R', 42L)]
    public void A_stat_line_gives_the_state_and_the_start_in_ticks(string stat, char state, long startTicks)
    {
        Assert.Equal((state, startTicks), ProcProcessTable.Parse(stat));
    }

    [Theory]
    [InlineData("123 (sleep")]
    [InlineData("123 (sleep) S 1 2 3")]
    [InlineData("123 (sleep) S 1 123 123 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 soon 8192")]
    public void A_stat_line_not_in_the_expected_format_gives_nothing(string stat)
    {
        Assert.Null(ProcProcessTable.Parse(stat));
    }

    private static string ResolveOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(d => Path.Combine(d, name))
            .First(File.Exists);
}
