namespace RegistryController.Tests.Pass;

/// <summary>
/// Which progress file keeps a repair, as the orchestrator at d746b7e reads them: its re-import
/// (<c>reconcile_task_workspace</c>) reads only <c>progress/</c>, and only for the agents an adopted task's
/// <c>AGENT_REGISTRY.json</c> lists; its clean-up archives or deletes the files of an agent that is done.
/// </summary>
public class SqliteRepairProgressFileTests
{
    private const string Builder = "builder-092433-ebff80";

    [Fact]
    public async Task A_progress_file_the_clean_up_deleted_is_not_made_again_for_an_earlier_ending()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        await workspace.RepairInProcessAsync();
        var progress = Path.Combine(workspace.TaskDirectory, "progress", $"{Builder}_progress.jsonl");
        File.Delete(progress);

        await workspace.RepairInProcessAsync();

        Assert.False(File.Exists(progress));
    }

    [Fact]
    public async Task A_line_only_in_archive_is_appended_to_progress_for_an_agent_the_reimport_reads()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        workspace.ListInTaskRegistry("running", Builder);
        await workspace.RepairInProcessAsync();
        var status = await workspace.StatusAsync(Builder);
        var archived = Path.Combine(workspace.TaskDirectory, "archive", $"{Builder}_progress.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(archived)!);
        File.Move(Path.Combine(workspace.TaskDirectory, "progress", $"{Builder}_progress.jsonl"), archived, overwrite: true);

        await workspace.RepairInProcessAsync();

        Assert.Equal(status, await workspace.ReimportedStatusAsync(Builder));
        Assert.Single(workspace.ReconciledLines(Builder));
    }
}
