namespace RegistryController.Tests.Controller;

/// <summary>
/// registryctl run started after a repair that was killed between its commit and its progress lines (another
/// process): its first reconcile of the database appends the missing terminal lines, though no agent is to be ended.
/// </summary>
public class SqliteRunCompletionTests
{
    [Fact]
    public async Task At_startup_run_appends_the_terminal_lines_an_interrupted_repair_left_out()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        await workspace.RepairInProcessAsync();
        workspace.RemoveReconciledLines(SqliteRunWorkspace.Zombies);

        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);

        await Eventually.Until(
            () => Task.FromResult(SqliteRunWorkspace.Zombies.All(id => workspace.ReconciledLines(id).Count == 1)),
            TimeSpan.FromSeconds(8),
            "one terminal line per ended agent");
        Assert.All(SqliteRunWorkspace.Zombies, id => Assert.Equal("registryctl", (string?)workspace.LastProgressLine(id)!["reconciled_by"]));
    }
}
