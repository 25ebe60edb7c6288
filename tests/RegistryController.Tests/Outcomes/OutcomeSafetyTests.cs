using Registryctl.Commands;

namespace RegistryController.Tests.Outcomes;

/// <summary>
/// The safety rules hold whatever an agent's evidence says: evidence decides how a zombie ends, never
/// whether the controller may end it. The mass guard, a broken tmux view and the grace period keep every
/// file as it was, completed and failed endings included.
/// </summary>
public sealed class OutcomeSafetyTests
{
    [Fact]
    public async Task A_tripped_mass_guard_holds_zombies_whose_evidence_says_completed_or_failed_and_writes_nothing()
    {
        // Five zombies of six active agents, each with evidence of how it ended: 5 >= 5 and 5 > 6 x 0.5.
        string[] ended = ["fixer-100001-aaaaaa", "tester-100002-bbbbbb", "builder-100003-cccccc", "reviewer-100004-dddddd", "writer-100005-eeeeee"];
        const string live = "investigator-100000-ffffff";
        await using var workspace = await OutcomeWorkspace.CreateAsync(
            [Agents.Active(live, "agent_" + live), .. ended.Select(Agents.Zombie)],
            ["agent_" + live]);
        workspace.WriteStreamLog(ended[0], EvidenceTask.Result("success", isError: false));
        workspace.WriteStreamLog(ended[1], EvidenceTask.Result("error_max_turns", isError: true));
        workspace.WriteStreamLog(ended[2], EvidenceTask.Result("success", isError: false), directory: "archive");
        workspace.AppendProgress(ended[3], "completed", 100, "Review done", DateTimeOffset.UtcNow.AddSeconds(-30), directory: "archive");
        workspace.WriteStreamLog(ended[4], EvidenceTask.Result("success", isError: true));
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--json");

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, result.ToString());
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
        var zombies = result.Report().GetProperty("registries").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "task").GetProperty("zombies").EnumerateArray().ToList();
        Assert.Equal(["completed", "completed", "completed", "failed", "failed"], zombies.Select(z => z.GetProperty("outcome").GetString()).Order(StringComparer.Ordinal));
        Assert.All(zombies, z => Assert.False(z.GetProperty("terminated").GetBoolean(), z.GetRawText()));
    }

    [Fact]
    public async Task Under_a_broken_tmux_view_a_zombie_with_a_success_result_line_is_not_recorded_completed()
    {
        const string agent = "fixer-091909-57e6c9";
        await using var workspace = await OutcomeWorkspace.CreateAsync([Agents.Zombie(agent)], []);
        workspace.WriteStreamLog(agent, EvidenceTask.Result("success", isError: false));
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--set", "Tmux:Binary=/nonexistent/tmux");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
        Assert.Equal("working", (string?)workspace.TaskAgent(agent)["status"]);
    }

    [Fact]
    public async Task Repair_leaves_an_agent_within_its_grace_period_untouched_though_its_stream_log_ends_with_a_result()
    {
        const string agent = "fixer-091909-57e6c9";
        await using var workspace = await OutcomeWorkspace.CreateAsync([Agents.Active(agent, "agent_" + agent, age: TimeSpan.FromSeconds(2))], []);
        workspace.WriteStreamLog(agent, EvidenceTask.Result("success", isError: false));
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--json");

        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
        var task = result.Report().GetProperty("registries").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "task");
        Assert.Empty(task.GetProperty("zombies").EnumerateArray());
        Assert.Equal([agent], task.GetProperty("fresh_agents").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task The_controller_spares_a_fresh_agent_with_a_result_line_until_its_grace_ends_then_records_it_completed()
    {
        const string agent = "fixer-091909-57e6c9";
        await using var workspace = await OutcomeWorkspace.CreateAsync([Agents.Active(agent, "agent_" + agent, age: TimeSpan.FromSeconds(1))], []);
        workspace.WriteStreamLog(agent, EvidenceTask.Result("success", isError: false));
        await using var sampler = AgentStatusSampler.Start(agent, workspace.TaskPath);
        // Not "untouched at Ready": on a loaded machine setting up can outlast the grace itself. What
        // proves the agent was spared is when it was ended, measured against its start.
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Reconcile:Grace"] = "10s");

        await Eventually.Until(() => sampler.Changes.Any(c => c.Status == "completed"), TimeSpan.FromSeconds(30), "the agent is completed once its grace period is over");
        var seen = await sampler.StopAsync();
        Assert.Equal(["working", "completed"], seen.Select(s => s.Status).Distinct());
        Assert.False(workspace.TaskAgent(agent).ContainsKey("termination_reason"));
        var started = Agents.ParseTimestamp((string?)workspace.TaskAgent(agent)["started_at"])!.Value;
        var ended = Agents.ParseTimestamp((string?)workspace.TaskAgent(agent)["completed_at"])!.Value;
        Assert.True(ended - started >= TimeSpan.FromSeconds(10), $"completed {ended - started} after its start, inside a 10 s grace period");
    }
}
