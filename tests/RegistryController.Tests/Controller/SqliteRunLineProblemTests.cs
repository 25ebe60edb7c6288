namespace RegistryController.Tests.Controller;

/// <summary>
/// registryctl run and a progress line that cannot be written (here the agent's progress file is a symbolic link,
/// which is never written through): tried again on every reconcile, said once per distinct problem, and once more
/// when it clears.
/// </summary>
public class SqliteRunLineProblemTests
{
    private const string Builder = "builder-092433-ebff80";

    [Fact]
    public async Task A_line_that_keeps_failing_is_said_once_however_many_reconciles_try_it()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        using var elsewhere = new TempDirectory();
        await workspace.RepairInProcessAsync();
        LinkProgressFile(workspace, elsewhere);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        await Eventually.Until(() => Failures(controller) == 1, TimeSpan.FromSeconds(8), "the problem said");

        for (var i = 0; i < 3; i++)
        {
            await ReconcileAgainAsync(workspace, controller, i);
        }

        Assert.Equal(1, Failures(controller));
        Assert.Empty(workspace.ReconciledLines(Builder));
    }

    [Fact]
    public async Task A_line_problem_that_clears_is_said_once_more()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        using var elsewhere = new TempDirectory();
        await workspace.RepairInProcessAsync();
        var progress = LinkProgressFile(workspace, elsewhere);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        await Eventually.Until(() => Failures(controller) == 1, TimeSpan.FromSeconds(8), "the problem said");
        File.Delete(progress);
        await File.WriteAllTextAsync(progress, string.Empty);

        await ReconcileAgainAsync(workspace, controller, 0);

        await Eventually.Until(() => workspace.ReconciledLines(Builder).Count == 1, TimeSpan.FromSeconds(8), "the line written");
        Assert.Single(controller.Logs.Entries, e => e.Message.Contains($"audit line of agent {Builder}", StringComparison.Ordinal) && e.Message.Contains("no longer fails", StringComparison.Ordinal));
        Assert.Equal(1, Failures(controller));
    }

    private static int Failures(InProcessController controller) =>
        controller.Logs.Entries.Count(e => e.Message.Contains($"agent {Builder}", StringComparison.Ordinal) && e.Message.Contains("could not be appended", StringComparison.Ordinal));

    // What a repair killed after its commit leaves (no line), with a progress file no line is ever written through.
    private static string LinkProgressFile(Orchestrator2026Workspace workspace, TempDirectory elsewhere)
    {
        var progress = Path.Combine(workspace.TaskDirectory, "progress", $"{Builder}_progress.jsonl");
        workspace.RemoveReconciledLines([Builder]);
        File.Move(progress, elsewhere.Combine("target.jsonl"));
        File.CreateSymbolicLink(progress, elsewhere.Combine("target.jsonl"));
        return progress;
    }

    // An orchestrator write (a live agent's report) wakes the controller: one more reconcile of the database.
    private static async Task ReconcileAgainAsync(Orchestrator2026Workspace workspace, InProcessController controller, int step)
    {
        var before = controller.Status.Reconciles;
        await OrchestratorSqlite.RecordProgressAsync(workspace.Database, SqliteRunWorkspace.SecondLiveAgent, "working", 20 + step, $"step {step}");
        await Eventually.Until(() => controller.Status.Reconciles > before, TimeSpan.FromSeconds(8), "a reconcile after the write");
    }
}
