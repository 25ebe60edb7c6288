using System.Diagnostics;
using System.Text.Json;
using RegistryController.Generation;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary><c>registryctl repair</c> end to end: a generated workspace, a private tmux server, the in-process CLI.</summary>
public class RepairCommandTests
{
    // Per task: 2 live, 1 zombie, 1 fresh, 1 dead pane, 1 completed. Over 3 tasks: 6 zombies of 15 active agents.
    private static readonly AgentMix Mix = new(Live: 2, Zombie: 1, Fresh: 1, DeadPane: 1, Completed: 1);

    [Fact]
    public async Task Repair_brings_every_registry_to_the_ground_truth_and_exits_0()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 2, counterDrift: true);

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(workspace.ZombieIds(), workspace.TaskAgentsWithStatus("terminated"));
        foreach (var zombie in workspace.Truth.Zombies)
        {
            Assert.Equal(zombie.Reason, (string?)workspace.TaskAgent(zombie.TaskId, zombie.AgentId)["termination_reason"]);
            Assert.Equal("terminated", (string?)workspace.GlobalAgent(zombie.AgentId)["status"]);
        }

        Assert.All(workspace.TaskIds, task => Assert.Equal(workspace.Truth.ActiveAfterRepairByTask[task], (int)workspace.ReadTask(task)["active_count"]!));
        Assert.Equal(workspace.Truth.GlobalActiveAfterRepair, (int)workspace.ReadGlobal()["active_agents"]!);
    }

    [Fact]
    public async Task Repair_reports_the_orphan_sessions_and_leaves_them_running()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 2);

        var result = await workspace.RunAsync("repair", "--json");

        var reported = result.Report().GetProperty("orphans").EnumerateArray().Select(o => o.GetProperty("session").GetString()).ToList();
        Assert.Equal(workspace.Truth.OrphanSessions.Order(StringComparer.Ordinal), reported);
        var sessions = await workspace.Tmux.Server.ListSessionsAsync();
        Assert.All(workspace.Truth.OrphanSessions, orphan => Assert.Contains(orphan, sessions));
    }

    [Fact]
    public async Task Repair_exits_0_and_writes_nothing_when_there_is_nothing_to_do()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0, Completed: 1));
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
    }

    [Fact]
    public async Task Repair_dry_run_writes_nothing_but_reports_what_it_would_do()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 1, counterDrift: true);
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--dry-run", "--json");

        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
        var report = result.Report();
        Assert.Equal("dry_run", report.GetProperty("mode").GetString());
        var tasks = report.GetProperty("registries").EnumerateArray().Where(r => r.GetProperty("kind").GetString() == "task").ToList();
        Assert.Equal(
            workspace.ZombieIds(),
            tasks.SelectMany(r => r.GetProperty("zombies").EnumerateArray().Select(z => $"{r.GetProperty("task_id").GetString()}/{z.GetProperty("agent_id").GetString()}")).Order(StringComparer.Ordinal));
        Assert.All(tasks, r =>
        {
            Assert.False(r.GetProperty("written").GetBoolean());
            Assert.Equal(workspace.Truth.ActiveAfterRepairByTask[r.GetProperty("task_id").GetString()!], r.GetProperty("counts").GetProperty("after").GetProperty("active").GetInt32());
        });
    }

    [Fact]
    public async Task Repair_dry_run_says_which_zombies_it_would_end_and_how()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix);
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--dry-run");

        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
        Assert.Contains("dry run: nothing is written", result.Stdout, StringComparison.Ordinal);
        var lines = result.Stdout.Split('\n');
        Assert.All(workspace.Truth.Zombies, zombie =>
            Assert.Contains(lines, line => line.Contains($"zombie {zombie.AgentId}", StringComparison.Ordinal) && line.EndsWith("→ would be terminated (no session, no evidence)", StringComparison.Ordinal)));
        Assert.DoesNotContain("→ terminated", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_repair_writes_nothing()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 1, counterDrift: true);
        var first = await workspace.RunAsync("repair");
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var afterFirst = workspace.CaptureFiles();

        var second = await workspace.RunAsync("repair", "--json");

        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        Assert.Empty(afterFirst.ChangedIn(workspace.CaptureFiles()));
        Assert.Equal(0, second.Report().GetProperty("summary").GetProperty("written").GetInt32());
    }

    [Fact]
    public async Task Repair_refuses_a_mass_termination_when_the_tmux_server_is_gone_and_says_to_use_force()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 3, Zombie: 0));
        await workspace.KillTmuxServerAsync();
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, result.ToString());
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
        Assert.Empty(workspace.TaskAgentsWithStatus("terminated"));
        var guardLine = result.Stdout.Split('\n').Single(l => l.Contains("Mass-termination guard", StringComparison.Ordinal));
        Assert.Contains("would terminate 6 of the workspace's 6 active agents", guardLine, StringComparison.Ordinal);
        Assert.Contains("--force", guardLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repair_with_force_terminates_the_zombies_the_mass_guard_held_back()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 3, Zombie: 0));
        var everyAgent = workspace.TaskAgentsWithStatus("running").Concat(workspace.TaskAgentsWithStatus("working")).Order(StringComparer.Ordinal).ToList();
        await workspace.KillTmuxServerAsync();

        var result = await workspace.RunAsync("repair", "--force");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(6, everyAgent.Count);
        Assert.Equal(everyAgent, workspace.TaskAgentsWithStatus("terminated"));
        Assert.Contains("mass-termination guard overridden", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repair_exits_1_and_leaves_a_registry_alone_when_its_lock_is_held_past_the_timeout()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 1));
        var (held, free) = (workspace.TaskIds[0], workspace.TaskIds[1]);
        var heldBytes = await File.ReadAllBytesAsync(workspace.TaskPath(held));
        var python = await PythonLockHolder.LockAsync(workspace.TaskPath(held), TimeSpan.FromSeconds(60));
        CliResult result;
        try
        {
            result = await workspace.RunAsync("repair", "--json", "--set", "Lock:Timeout=500ms");
        }
        finally
        {
            // Reading a file takes LOCK_SH in .NET: the holder must be gone before the assertions read.
            await python.DisposeAsync();
        }

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, result.ToString());
        Assert.Equal(heldBytes, await File.ReadAllBytesAsync(workspace.TaskPath(held)));
        var error = Registry(result.Report(), held).GetProperty("error").GetString();
        Assert.Contains("could not take the lock", error, StringComparison.Ordinal);
        Assert.Contains("python3", error, StringComparison.Ordinal);
        Assert.Equal(workspace.ZombieIds(free), workspace.TaskAgentsWithStatus("terminated"));
    }

    [Fact]
    public async Task Repair_waits_for_the_orchestrators_lock_and_applies_its_edit_on_top_of_what_python_wrote()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, new AgentMix(Live: 2, Zombie: 1));
        var held = workspace.TaskIds[1];
        // Timed from before python starts: however late its "locked" line arrives, a repair that
        // waited cannot finish within the 2 s python sleeps under the lock.
        var stopwatch = Stopwatch.StartNew();
        await using var python = await PythonLockHolder.LockAsync(workspace.TaskPath(held), TimeSpan.FromSeconds(2), setKey: "orchestrator_note", setValueJson: "\"written by python under LOCK_EX\"");

        var result = await workspace.RunAsync("repair");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(1.9), $"repair finished {stopwatch.Elapsed} after python started to hold the lock for 2 s");
        await python.Completion;
        // Python rewrites the whole file from what it read under its lock: had the repair written
        // first, python's write would have put the zombie back to its active status.
        Assert.Equal("written by python under LOCK_EX", (string?)workspace.ReadTask(held)["orchestrator_note"]);
        Assert.Equal(workspace.ZombieIds(), workspace.TaskAgentsWithStatus("terminated"));
        Assert.Equal(workspace.Truth.GlobalActiveAfterRepair, (int)workspace.ReadGlobal()["active_agents"]!);
    }

    [Fact]
    public async Task Repair_with_task_repairs_only_that_task_and_leaves_the_others_and_the_global_registry_unwritten()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, new AgentMix(Live: 2, Zombie: 1), counterDrift: true);
        var chosen = workspace.TaskIds[1];
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--task", chosen, "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(workspace.ZombieIds(chosen), workspace.TaskAgentsWithStatus("terminated"));
        var changed = before.ChangedIn(workspace.CaptureFiles());
        // Besides the registry, only the audit lines of the chosen task's ended agents.
        var progress = Path.Combine(Path.GetDirectoryName(workspace.TaskPath(chosen))!, "progress");
        Assert.Equal([workspace.TaskPath(chosen) + " (bytes)"], changed.Where(c => !c.StartsWith(progress, StringComparison.Ordinal)));
        Assert.Equal(workspace.ZombieIds(chosen).Count, changed.Count(c => c.StartsWith(progress, StringComparison.Ordinal)));
        Assert.Equal([chosen], result.Report().GetProperty("registries").EnumerateArray().Select(r => r.GetProperty("task_id").GetString()));
    }

    [Fact]
    public async Task Repair_with_global_alone_repairs_only_the_global_registry()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, new AgentMix(Live: 2, Zombie: 1));
        var first = workspace.TaskIds[0];
        var byTask = await workspace.RunAsync("repair", "--task", first);
        Assert.True(byTask.ExitCode == ExitCodes.Ok, byTask.ToString());
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--global");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal([workspace.GlobalPath + " (bytes)"], before.ChangedIn(workspace.CaptureFiles()));
        var firstZombie = workspace.Truth.Zombies.Single(z => z.TaskId == first);
        Assert.Equal("terminated", (string?)workspace.GlobalAgent(firstZombie.AgentId)["status"]);
        Assert.All(workspace.Truth.Zombies.Where(z => z.TaskId != first), z => Assert.Null((string?)workspace.GlobalAgent(z.AgentId)["status"]));
        // Two tasks still hold their (unrepaired) zombie: the global counter counts what the task registries say.
        Assert.Equal((2 * 3) + 2, (int)workspace.ReadGlobal()["active_agents"]!);
    }

    private static JsonElement Registry(JsonElement report, string taskId) =>
        report.GetProperty("registries").EnumerateArray().Single(r => r.GetProperty("task_id").GetString() == taskId);
}
