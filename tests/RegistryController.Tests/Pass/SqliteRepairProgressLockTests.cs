using System.Diagnostics;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Pass;

namespace RegistryController.Tests.Pass;

/// <summary>
/// A progress file whose flock another process holds: the repair waits for it as for a registry's lock (the
/// <c>Lock:*</c> bound), then goes on without that line and says so; the ending stands, and the next pass writes the line.
/// </summary>
public class SqliteRepairProgressLockTests
{
    private const string Builder = "builder-092433-ebff80";

    private static readonly LockOptions OneSecond = new() { Timeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task A_progress_file_locked_past_the_bound_is_left_without_its_line_and_the_repair_says_so()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        var progress = WorkingLine(workspace);
        PassReport report;
        TimeSpan took;
        await using (await SharedLockHolder.LockAsync(progress, exclusive: true))
        {
            var clock = Stopwatch.StartNew();
            // Off this thread: a repair that blocked on the flock would otherwise never hand back its task to time out.
            report = await Task.Run(() => workspace.RepairInProcessAsync(OneSecond)).WaitAsync(TimeSpan.FromSeconds(20));
            took = clock.Elapsed;
        }

        // Waited for the lock as long as the bound says (and no longer than the 20 s above: a busy CI machine may add a few).
        Assert.True(took >= OneSecond.Timeout, $"gave up after {took}, before the {OneSecond.Timeout} bound");
        var problem = Assert.Single(report.Outcomes.Single().AuditProblems);
        Assert.Contains(progress, problem, StringComparison.Ordinal);
        Assert.Contains("could not take its lock within 1 s (held by pid", problem, StringComparison.Ordinal);
        // Read once the holder is gone: .NET's own reads take flock(LOCK_SH).
        Assert.Empty(workspace.ReconciledLines(Builder));
        Assert.NotEqual("running", await workspace.StatusAsync(Builder));
    }

    [Fact]
    public async Task Once_the_lock_is_let_go_the_next_pass_appends_the_line_once()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        var progress = WorkingLine(workspace);
        await using (await SharedLockHolder.LockAsync(progress, exclusive: true))
        {
            await workspace.RepairInProcessAsync(OneSecond);
        }

        var report = await workspace.RepairInProcessAsync(OneSecond);
        await workspace.RepairInProcessAsync(OneSecond);

        var line = Assert.Single(workspace.ReconciledLines(Builder));
        Assert.Equal(await workspace.StatusAsync(Builder), (string?)line["status"]);
        Assert.Contains(report.Outcomes.Single().Verdict.Plan!.Findings, f => f.Code == FindingCodes.AuditLineCompleted && f.Message.StartsWith(Builder, StringComparison.Ordinal));
    }

    // The agent's own "working" report, as the orchestrator appends it: a progress file to hold locked.
    private static string WorkingLine(Orchestrator2026Workspace workspace)
    {
        var path = Path.Combine(workspace.TaskDirectory, "progress", $"{Builder}_progress.jsonl");
        File.WriteAllText(path, $"{{\"timestamp\": \"2026-11-30T09:25:00.000000\", \"agent_id\": \"{Builder}\", \"status\": \"working\", \"message\": \"started\", \"progress\": 10}}\n");
        return path;
    }
}
