namespace RegistryController.Tests.Outcomes;

/// <summary>
/// <c>registryctl run</c> (hosted in-process) and an agent whose Claude (a python3 stand-in in its pane)
/// ends under <c>remain-on-exit</c>: the session stays, its only pane is dead, and the stream log's last
/// line says how it ended.
/// </summary>
public sealed class DeadPaneOutcomeTests
{
    private const string Agent = "fixer-091909-57e6c9";
    private const string Session = "agent_" + Agent;
    private const string Live = "investigator-091905-eaee0a";

    [Fact]
    public async Task A_pane_that_died_after_a_success_result_line_is_recorded_completed_and_never_pane_dead()
    {
        await using var workspace = await CreateAsync(EvidenceTask.Result("success", isError: false), torn: false);
        await using var controller = await StartAsync(workspace);

        await ClaudeStandIn.FinishAsync(workspace.Tmux, Session);

        await Eventually.Until(() => (string?)workspace.TaskAgent(Agent)["status"] != "working", TimeSpan.FromSeconds(15), "the agent is no longer working");
        await controller.WaitForIdleQueueAsync(TimeSpan.FromSeconds(10));
        var agent = workspace.TaskAgent(Agent);
        Assert.Equal("completed", (string?)agent["status"]);
        Assert.Equal(100, (int)agent["progress"]!);
        Assert.False(agent.ContainsKey("termination_reason"), agent.ToJsonString());
        Assert.Equal("completed", (string?)workspace.GlobalAgent(Agent)["status"]);
        Assert.All(
            [workspace.TaskPath, workspace.GlobalPath, workspace.ProgressFile(Agent)],
            file => Assert.DoesNotContain("pane_dead", File.ReadAllText(file), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pane_that_died_mid_way_through_its_result_line_is_terminated_pane_dead()
    {
        // The last line has no newline: a writer cut off mid-append, which proves nothing about the outcome.
        await using var workspace = await CreateAsync(EvidenceTask.Result("success", isError: false), torn: true);
        await using var controller = await StartAsync(workspace);

        await ClaudeStandIn.FinishAsync(workspace.Tmux, Session);

        await Eventually.Until(() => (string?)workspace.TaskAgent(Agent)["status"] != "working", TimeSpan.FromSeconds(15), "the agent is no longer working");
        var agent = workspace.TaskAgent(Agent);
        Assert.Equal("terminated", (string?)agent["status"]);
        Assert.Equal("pane_dead", (string?)agent["termination_reason"]);
        Assert.Null(agent["completed_at"]);
    }

    /// <summary>The agent with its stand-in running (pane alive) and a live agent beside it.</summary>
    private static async Task<OutcomeWorkspace> CreateAsync(string lastLine, bool torn)
    {
        var workspace = await OutcomeWorkspace.CreateAsync([Agents.Active(Agent, Session), Agents.Active(Live, "agent_" + Live)], ["agent_" + Live]);
        await ClaudeStandIn.StartAsync(workspace.Tmux, Session, workspace.StreamLog(Agent), lastLine, torn);
        return workspace;
    }

    private static async Task<InProcessController> StartAsync(OutcomeWorkspace workspace)
    {
        // A pane that dies under remain-on-exit changes no session, so tmux's control client says nothing
        // (%sessions-changed is for sessions only): the periodic scan finds it, here once a second.
        var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Controller:ScanInterval"] = "1s");
        // Alive while its Claude runs: nothing may end it before the pane dies.
        Assert.Equal("working", (string?)workspace.TaskAgent(Agent)["status"]);
        return controller;
    }
}
