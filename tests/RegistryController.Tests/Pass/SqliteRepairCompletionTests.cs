using RegistryController.Judgement;

namespace RegistryController.Tests.Pass;

/// <summary>
/// A repair of the orchestrator-2026 fixture killed between its commit and its progress lines leaves rows ended
/// without their terminal line, which the orchestrator's re-import (it reads the last progress line) would take back:
/// the next pass appends each missing line, once. The kill itself is the SQLite crash torture's; here the lines are
/// taken out of the files after a whole repair, which leaves the same state.
/// </summary>
public class SqliteRepairCompletionTests
{
    private const string Builder = "builder-092433-ebff80";

    private static IEnumerable<string> Zombies => Orchestrator2026Workspace.ExpectedZombies.Select(z => (string)z["agent_id"]!);

    [Fact]
    public async Task The_next_pass_appends_the_terminal_line_a_repair_killed_after_its_commit_left_out()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await workspace.RepairInProcessAsync();
        var rows = await workspace.QueryAsync("SELECT agent_id, status, last_update FROM agents ORDER BY agent_id");
        var lines = Zombies.ToDictionary(id => id, id => workspace.ReconciledLines(id).Single().ToJsonString());
        workspace.RemoveReconciledLines(Zombies);

        var report = await workspace.RepairInProcessAsync();

        Assert.All(Zombies, id => Assert.Equal(lines[id], Assert.Single(workspace.ReconciledLines(id)).ToJsonString()));
        Assert.All(Zombies, id => Assert.Equal(lines[id], workspace.LastProgressLine(id)!.ToJsonString()));
        Assert.Equal(rows.ToJsonString(), (await workspace.QueryAsync("SELECT agent_id, status, last_update FROM agents ORDER BY agent_id")).ToJsonString());
        var completed = report.Outcomes.Single().Verdict.Plan!.Findings.Where(f => f.Code == FindingCodes.AuditLineCompleted).ToList();
        Assert.Equal(Zombies.Order(StringComparer.Ordinal), completed.Select(f => f.Message.Split(':')[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_pass_after_a_whole_repair_appends_no_second_line()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await workspace.RepairInProcessAsync();

        var report = await workspace.RepairInProcessAsync();

        Assert.All(Zombies, id => Assert.Single(workspace.ReconciledLines(id)));
        Assert.DoesNotContain(report.Outcomes.Single().Verdict.Plan!.Findings, f => f.Code == FindingCodes.AuditLineCompleted);
    }

    [Fact]
    public async Task An_ending_the_orchestrator_has_written_over_since_gets_no_line()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await workspace.RepairInProcessAsync();
        workspace.RemoveReconciledLines(Zombies);
        // Its completion notifier, late: the orchestrator's word is now the row's, and no line of ours may contradict it.
        await OrchestratorSqlite.SetStatusAsync(workspace.Database, Builder, "completed");

        await workspace.RepairInProcessAsync();

        Assert.Empty(workspace.ReconciledLines(Builder));
        Assert.All(Zombies.Where(id => id != Builder), id => Assert.Single(workspace.ReconciledLines(id)));
    }

    [Fact]
    public async Task A_line_the_orchestrators_clean_up_moved_to_archive_is_not_written_again()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await workspace.RepairInProcessAsync();
        var progress = Path.Combine(workspace.TaskDirectory, "progress", $"{Builder}_progress.jsonl");
        var archived = Path.Combine(workspace.TaskDirectory, "archive", $"{Builder}_progress.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(archived)!);
        File.Move(progress, archived, overwrite: true);
        var bytes = await File.ReadAllBytesAsync(archived);

        await workspace.RepairInProcessAsync();

        Assert.False(File.Exists(progress));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(archived));
    }
}
