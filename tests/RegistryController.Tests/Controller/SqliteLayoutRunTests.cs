using Microsoft.Extensions.Logging;

namespace RegistryController.Tests.Controller;

/// <summary>
/// registryctl run reconciles the 2025 JSON layout only: a 2026 workspace (state in SQLite, JSON written once)
/// is left alone with an error that says so, and its live agents' sessions are never taken for orphans.
/// </summary>
public class SqliteLayoutRunTests
{
    [Fact]
    public async Task Run_leaves_a_2026_workspace_alone_says_so_and_never_kills_its_live_agents_sessions()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();
        var before = FileStates.Capture(workspace.Root);
        var sessions = await workspace.Tmux.Server.ListSessionsAsync();
        Assert.NotEmpty(sessions);

        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s =>
        {
            s["Controller:KillOrphansAfter"] = "1s";
            s["Controller:ScanInterval"] = "1s";
        });
        // Three scans, each long after every session was first seen: an orphan would have been killed by then.
        for (var scan = 0; scan < 3; scan++)
        {
            var last = controller.Status.LastTick;
            await Eventually.Until(() => controller.Status.LastTick > last, TimeSpan.FromSeconds(10), $"scan {scan + 1} has run");
        }

        Assert.True(controller.Logs.Any(LogLevel.Error, "registry/state.sqlite3 (the 2026 layout)"));
        Assert.Equal(sessions, await workspace.Tmux.Server.ListSessionsAsync());
        Assert.Empty(before.ChangedIn(FileStates.Capture(workspace.Root)));
    }
}
