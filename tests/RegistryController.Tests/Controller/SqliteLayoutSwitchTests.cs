using Microsoft.Extensions.Logging;
using RegistryController.Controller;
using RegistryController.Registry;
using RegistryController.Runtime;
using RegistryController.Store;

namespace RegistryController.Tests.Controller;

/// <summary>
/// registryctl run beside an orchestrator that creates its state database while the controller runs (a sidecar started
/// before a fresh 2026 orchestrator, or a 2025 install upgraded): the workspace follows to sqlite-2026 and its JSON
/// registries are never written again. Real files, real tmux on a private server, python3's sqlite3 to read the rows.
/// </summary>
public class SqliteLayoutSwitchTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(8);

    private const string AdoptedAgent = "adopted-000000-abcdef";

    private const string AdoptedSession = "agent_" + AdoptedAgent;

    [Fact]
    public async Task A_database_appearing_under_a_running_controller_has_its_zombie_rows_ended_and_no_json_registry_written()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync(AdoptedSession);
        var hidden = workspace.HideDatabase();
        var adopted = workspace.AddAdoptedTask(AdoptedAgent, AdoptedSession);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        Assert.Equal(StateLayout.Json2025, controller.Service<WatchedWorkspaces>().LayoutOf(workspace.Root));
        await controller.WaitForIdleQueueAsync(Bound);
        string[] registries = [adopted, Path.Combine(workspace.TaskDirectory, "AGENT_REGISTRY.json")];
        var before = registries.Select(RegistryJson.ReadBytes).ToList();

        workspace.RestoreDatabase(hidden);

        await Eventually.Until(
            async () => await workspace.StatusAsync("builder-092433-ebff80") == "terminated"
                && await workspace.StatusAsync("documenter-092433-0638dd") == "completed"
                && await workspace.StatusAsync("analyst-092433-18bff9") == "completed",
            Bound,
            "every zombie row ended in SQLite");
        Assert.Equal("working", await workspace.StatusAsync(SqliteRunWorkspace.LiveAgent));
        Assert.All(registries.Zip(before), r => Assert.Equal(r.Second, RegistryJson.ReadBytes(r.First)));
        Assert.Single(controller.Logs.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("switched from json-2025 to sqlite-2026", StringComparison.Ordinal));
        Assert.Null(controller.Status.NotReadyReason);
    }

    [Fact]
    public async Task A_json_registry_reconciled_after_the_switch_is_forgotten_and_not_written()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync();
        var hidden = workspace.HideDatabase();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        var layouts = controller.Service<WatchedWorkspaces>();
        workspace.RestoreDatabase(hidden);
        await Eventually.Until(() => layouts.LayoutOf(workspace.Root) == StateLayout.Sqlite2026, Bound, "the workspace switched to sqlite-2026");
        // Its agent's session does not exist: a zombie that a json-2025 reconcile would end in this file.
        var adopted = workspace.AddAdoptedTask(AdoptedAgent, AdoptedSession);
        var before = RegistryJson.ReadBytes(adopted);

        var result = await controller.Service<RegistryReconciler>().ReconcileAsync(
            new RegistryLocation(workspace.Root, adopted, RegistryKind.Task, Path.GetFileName(Path.GetDirectoryName(adopted))),
            CancellationToken.None);

        Assert.Equal(ReconcileOutcome.Forgotten, result.Outcome);
        Assert.Equal(before, RegistryJson.ReadBytes(adopted));
    }

    [Fact]
    public async Task A_session_only_an_adopted_tasks_json_registry_names_is_no_orphan_and_is_not_killed()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync(AdoptedSession, "agent_stray-000000-abcdef");
        workspace.AddAdoptedTask(AdoptedAgent, AdoptedSession);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s =>
        {
            s["Controller:ScanInterval"] = "200ms";
            s["Controller:KillOrphansAfter"] = "1s";
            s["Reconcile:Grace"] = "3s";
        });

        // Both sessions were created together: once the stray, named by nothing, outgrew the grace, so had the other.
        await Eventually.Until(async () => !await workspace.Tmux.HasSessionAsync("agent_stray-000000-abcdef"), TimeSpan.FromSeconds(15), "the stray is killed");

        Assert.True(await workspace.Tmux.HasSessionAsync(AdoptedSession));
        Assert.Equal(1, controller.Manager.Orphans.Killed);
        Assert.Equal(0, controller.Manager.Orphans.Current);
    }

    [Fact]
    public async Task An_unreadable_adopted_json_registry_keeps_every_orphan_alive_until_it_can_be_read()
    {
        await using var workspace = await SqliteRunWorkspace.StartAsync("agent_stray-000000-abcdef");
        var adopted = workspace.AddAdoptedTask(AdoptedAgent, AdoptedSession);
        await File.WriteAllTextAsync(adopted, "{\"task_id\": \"TASK-20251017-215604-df6a3cbd\", \"agents\": [");
        var born = DateTimeOffset.UtcNow;
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s =>
        {
            s["Controller:ScanInterval"] = "200ms";
            s["Controller:KillOrphansAfter"] = "1s";
            s["Reconcile:Grace"] = "3s";
        });

        // A scan past the grace, the kill-after and tmux's whole-second creation times would have killed the stray.
        await Eventually.Until(() => controller.Status.LastTick > born + TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(15), "a scan 6 s after the stray was born");
        Assert.True(await workspace.Tmux.HasSessionAsync("agent_stray-000000-abcdef"));
        Assert.Equal(0, controller.Manager.Orphans.Killed);

        workspace.AddAdoptedTask(AdoptedAgent, AdoptedSession);

        await Eventually.Until(async () => !await workspace.Tmux.HasSessionAsync("agent_stray-000000-abcdef"), TimeSpan.FromSeconds(15), "the stray is killed once the registry reads");
    }
}
