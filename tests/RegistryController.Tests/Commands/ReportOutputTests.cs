using System.Text.Json;
using System.Text.RegularExpressions;
using RegistryController.Generation;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary>The two reports: <c>--json</c> for scripts (docs/report.md, registryctl.report/v1) and the human one.</summary>
public class ReportOutputTests
{
    // Per task: 2 live, 1 zombie, 1 dead pane, 1 completed; with drifted counters and one orphan session.
    private static readonly AgentMix Mix = new(Live: 2, Zombie: 1, DeadPane: 1, Completed: 1);

    [Fact]
    public async Task The_json_report_names_its_schema_command_mode_workspace_and_exit_code()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, orphans: 1, counterDrift: true);

        var result = await workspace.RunAsync("repair", "--json");

        var report = result.Report();
        Assert.Equal("registryctl.report/v1", report.GetProperty("schema").GetString());
        Assert.Equal("repair", report.GetProperty("command").GetString());
        Assert.Equal("repair", report.GetProperty("mode").GetString());
        Assert.Equal(workspace.Root, report.GetProperty("workspace").GetString());
        Assert.Equal(result.ExitCode, report.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task The_json_report_has_each_registrys_path_kind_counts_and_write_state()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, orphans: 1, counterDrift: true);

        var registries = (await workspace.RunAsync("repair", "--json")).Report().GetProperty("registries").EnumerateArray().ToList();

        Assert.Equal(
            [workspace.GlobalPath + " global ", .. workspace.TaskIds.Select(t => $"{workspace.TaskPath(t)} task {t}")],
            registries.Select(r => $"{r.GetProperty("path").GetString()} {r.GetProperty("kind").GetString()} {r.GetProperty("task_id").GetString()}"));
        Assert.All(registries, r =>
        {
            Assert.True(r.GetProperty("written").GetBoolean());
            Assert.Equal("repaired", r.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, r.GetProperty("error").ValueKind);
        });
        foreach (var task in registries.Where(r => r.GetProperty("kind").GetString() == "task"))
        {
            var counts = task.GetProperty("counts");
            Assert.Equal(Mix.Live + Mix.Zombie + Mix.DeadPane + 1, counts.GetProperty("before").GetProperty("active").GetInt32());
            Assert.Equal(workspace.Truth.ActiveAfterRepairByTask[task.GetProperty("task_id").GetString()!], counts.GetProperty("after").GetProperty("active").GetInt32());
            Assert.Equal(Mix.Total, counts.GetProperty("after").GetProperty("total_spawned").GetInt32());
            Assert.Equal(Mix.Completed, counts.GetProperty("after").GetProperty("completed").GetInt32());
        }

        var global = registries[0].GetProperty("counts");
        Assert.Equal(workspace.Truth.GlobalActiveAfterRepair, global.GetProperty("after").GetProperty("active").GetInt32());
    }

    [Fact]
    public async Task The_json_report_lists_each_zombie_with_its_session_old_status_reason_and_whether_it_was_terminated()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, orphans: 1);
        var oldStatus = workspace.Truth.Zombies.ToDictionary(z => z.AgentId, z => (string?)workspace.TaskAgent(z.TaskId, z.AgentId)["status"], StringComparer.Ordinal);

        var report = (await workspace.RunAsync("repair", "--json")).Report();

        var zombies = report.GetProperty("registries").EnumerateArray()
            .SelectMany(r => r.GetProperty("zombies").EnumerateArray().Select(z => string.Join(
                " ",
                r.GetProperty("task_id").GetString(),
                z.GetProperty("agent_id").GetString(),
                z.GetProperty("session").GetString(),
                z.GetProperty("old_status").GetString(),
                z.GetProperty("reason").GetString(),
                z.GetProperty("terminated").GetBoolean())))
            .Order(StringComparer.Ordinal);
        var expected = workspace.Truth.Zombies
            .Select(z => $"{z.TaskId} {z.AgentId} {z.Session} {oldStatus[z.AgentId]} {z.Reason} True")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, zombies);
    }

    [Fact]
    public async Task The_json_report_lists_the_orphans_and_sums_up_the_pass()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, orphans: 1, counterDrift: true);

        var report = (await workspace.RunAsync("repair", "--json")).Report();

        var orphan = Assert.Single(report.GetProperty("orphans").EnumerateArray());
        Assert.Equal(workspace.Truth.OrphanSessions.Single(), orphan.GetProperty("session").GetString());
        Assert.Equal(JsonValueKind.String, orphan.GetProperty("created").ValueKind);
        var summary = report.GetProperty("summary");
        Assert.Equal(
            "registries=3 healthy=0 with_discrepancies=0 repaired=3 unchecked=0 errors=0 written=3 zombies=4 terminated=4 orphans=1",
            string.Join(" ", summary.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetInt32()}")));
    }

    [Fact]
    public async Task The_json_report_says_the_tmux_view_was_listed_and_how_many_sessions_it_saw()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, orphans: 1);

        var tmux = (await workspace.RunAsync("health", "--json")).Report().GetProperty("tmux");

        Assert.Equal("listed", tmux.GetProperty("status").GetString());
        Assert.Equal(workspace.Truth.LiveSessions.Length + workspace.Truth.DeadPaneSessions.Length + workspace.Truth.OrphanSessions.Length, tmux.GetProperty("sessions").GetInt32());
        Assert.Contains(workspace.Tmux.SocketPath, tmux.GetProperty("server").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_json_report_says_no_server_when_the_tmux_server_is_gone()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 0));
        await workspace.KillTmuxServerAsync();

        var result = await workspace.RunAsync("health", "--json");

        Assert.Equal("no_server", result.Report().GetProperty("tmux").GetProperty("status").GetString());
        Assert.Equal(result.ExitCode, result.Report().GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task The_json_report_says_broken_and_why_when_tmux_cannot_be_asked()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1));

        var result = await workspace.RunOnWorkspaceAsync("health", "--json", "--tmux-socket", "/nonexistent/dir/sock");

        var tmux = result.Report().GetProperty("tmux");
        Assert.Equal("broken", tmux.GetProperty("status").GetString());
        Assert.Contains("/nonexistent/dir does not exist", tmux.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.CannotRun, result.Report().GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task The_human_report_has_a_line_per_registry_with_its_task_id_and_a_summary_line()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix, orphans: 1);

        var lines = (await workspace.RunAsync("health")).Stdout.Split('\n');

        Assert.Single(lines, l => Regex.IsMatch(l, @"^  \S registry/GLOBAL_REGISTRY\.json "));
        Assert.All(workspace.TaskIds, task => Assert.Single(lines, l => Regex.IsMatch(l, $@"^  \S {task} ")));
        var summary = Assert.Single(lines, l => l.StartsWith("summary: ", StringComparison.Ordinal));
        Assert.Contains("4 registries", summary, StringComparison.Ordinal);
        Assert.Contains($"{workspace.Truth.Zombies.Length} zombies", summary, StringComparison.Ordinal);
        Assert.Contains("1 orphan", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_human_report_ranks_zombies_high_and_orphans_medium()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, orphans: 1);

        var lines = (await workspace.RunAsync("health")).Stdout.Split('\n');

        Assert.Contains(lines, l => l.StartsWith("  [high]", StringComparison.Ordinal) && l.Contains("zombie", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  [medium]", StringComparison.Ordinal) && l.Contains("to no registry", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("  [info]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_human_report_of_a_healthy_workspace_has_only_an_info_recommendation()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 2, Zombie: 0, Completed: 1));

        var lines = (await workspace.RunAsync("health")).Stdout.Split('\n');

        var recommendations = lines.SkipWhile(l => l != "recommendations:").Skip(1).TakeWhile(l => l.Length > 0).ToList();
        var only = Assert.Single(recommendations);
        Assert.StartsWith("  [info]", only, StringComparison.Ordinal);
        Assert.Contains("Healthy", only, StringComparison.Ordinal);
    }
}
