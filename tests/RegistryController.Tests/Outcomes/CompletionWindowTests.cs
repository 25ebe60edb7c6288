
namespace RegistryController.Tests.Outcomes;

/// <summary>
/// <c>registryctl run</c> (hosted in-process) while the orchestrator completes an agent its own way: the
/// completed line first, then the session killed and the files archived, and the registry written about a
/// second later from a read taken before. Between the kill and that write the agent looks exactly like a
/// zombie; its progress file says otherwise, and the controller must believe it.
/// </summary>
public sealed class CompletionWindowTests
{
    private const string Completing = "fixer-091909-57e6c9";
    private const string Live = "investigator-091905-eaee0a";

    [Fact]
    public async Task An_agent_the_orchestrator_completes_is_never_seen_terminated_in_either_registry_while_the_controller_runs()
    {
        await using var workspace = await CreateAsync();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        await using var sampler = AgentStatusSampler.Start(Completing, workspace.TaskPath, workspace.GlobalPath);

        var steps = await OrchestratorCompletion.RunAsync(workspace.TaskDirectory, workspace.GlobalPath, Completing, workspace.Tmux.SocketPath, TimeSpan.FromSeconds(1));
        await Eventually.Until(
            () => (string?)workspace.TaskAgent(Completing)["status"] == "completed" && (string?)workspace.GlobalAgent(Completing)["status"] == "completed",
            TimeSpan.FromSeconds(10),
            "the agent is completed in both registries");
        await controller.WaitForIdleQueueAsync(TimeSpan.FromSeconds(10));

        var seen = await sampler.StopAsync();
        Assert.True(sampler.Reads > 20, $"only {sampler.Reads} reads while the replay ran");
        Assert.All(seen, sample => Assert.NotEqual("terminated", sample.Status));
        Assert.All(seen, sample => Assert.Null(sample.TerminationReason));
        Assert.False(workspace.TaskAgent(Completing).ContainsKey("termination_reason"), steps);
        Assert.False(workspace.GlobalAgent(Completing).ContainsKey("termination_reason"), steps);
    }

    [Fact]
    public async Task In_the_completion_window_the_controller_itself_records_the_agent_completed_from_its_progress_file()
    {
        // Proves the window was really open to the controller: it acted between the kill and the
        // orchestrator's own write, and what it wrote was completed. The window is held open 3 s here
        // (the orchestrator's own is 1.5 to 4 s) so that a loaded machine cannot close it first.
        await using var workspace = await CreateAsync();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        await using var sampler = AgentStatusSampler.Start(Completing, workspace.TaskPath);

        var steps = await OrchestratorCompletion.RunAsync(workspace.TaskDirectory, workspace.GlobalPath, Completing, workspace.Tmux.SocketPath, TimeSpan.FromSeconds(3));
        await controller.WaitForIdleQueueAsync(TimeSpan.FromSeconds(10));

        var seen = await sampler.StopAsync();
        Assert.Contains(seen, sample => sample is { Status: "completed", ReconciledBy: "registryctl" });
        Assert.Equal(["working", "completed"], seen.Select(s => s.Status).Distinct());
        Assert.True(
            controller.Logs.Entries.Any(e => e.Message.Contains(Completing, StringComparison.Ordinal) && e.Message.Contains("now completed", StringComparison.Ordinal)),
            $"{steps}\n{string.Join('\n', controller.Logs.AtLeast(Microsoft.Extensions.Logging.LogLevel.Information))}");
    }

    [Fact]
    public async Task After_the_completion_window_both_registries_count_only_the_live_agent_as_active()
    {
        // The orchestrator's global write takes one off active_agents again, on top of the controller's
        // count: the controller must bring it back to the truth.
        await using var workspace = await CreateAsync();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);

        await OrchestratorCompletion.RunAsync(workspace.TaskDirectory, workspace.GlobalPath, Completing, workspace.Tmux.SocketPath, TimeSpan.FromSeconds(1));

        await Eventually.Until(
            () => RegistryJson.Number(workspace.TaskPath, "active_count") == 1 && RegistryJson.Number(workspace.GlobalPath, "active_agents") == 1,
            TimeSpan.FromSeconds(10),
            $"active_count and active_agents are 1 (they are {RegistryJson.Number(workspace.TaskPath, "active_count")} and {RegistryJson.Number(workspace.GlobalPath, "active_agents")})");
        Assert.Equal("working", (string?)workspace.TaskAgent(Live)["status"]);
    }

    [Fact]
    public async Task The_completed_agents_archived_progress_file_holds_no_terminated_line()
    {
        await using var workspace = await CreateAsync();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);

        await OrchestratorCompletion.RunAsync(workspace.TaskDirectory, workspace.GlobalPath, Completing, workspace.Tmux.SocketPath, TimeSpan.FromSeconds(1));
        await controller.WaitForIdleQueueAsync(TimeSpan.FromSeconds(10));

        var files = new[] { workspace.ProgressFile(Completing, "archive"), workspace.ProgressFile(Completing) }.Where(File.Exists).ToList();
        Assert.Contains(workspace.ProgressFile(Completing, "archive"), files);
        foreach (var file in files)
        {
            var lines = await ProgressFileLines.ReadWithPythonAsync(file);
            Assert.All(lines, line => Assert.NotEqual("terminated", (string?)line["status"]));
        }
    }

    /// <summary>The agent about to complete (working, with a stream log and an earlier progress report) and a live one beside it.</summary>
    private static async Task<OutcomeWorkspace> CreateAsync()
    {
        var workspace = await OutcomeWorkspace.CreateAsync(
            [Agents.Active(Completing, "agent_" + Completing), Agents.Active(Live, "agent_" + Live)],
            ["agent_" + Completing, "agent_" + Live]);
        workspace.WriteStreamLog(Completing, last: null);
        workspace.AppendProgress(Completing, "working", 60, "Writing the limiter", DateTimeOffset.UtcNow.AddMinutes(-5));
        return workspace;
    }
}
