using System.Diagnostics;
using RegistryController.Generation;

namespace RegistryController.Tests.Controller;

/// <summary>The running controller and agents whose session died while they were still inside their grace period.</summary>
public sealed class FreshAgentGraceTests
{
    [Fact]
    public async Task A_fresh_agent_without_a_session_is_terminated_once_its_grace_period_ends()
    {
        // The generator's fresh agent started 2 s ago and has no session; with a 4 s grace it is spared
        // for about 2 s more. Nothing changes afterwards (no file write, no tmux event): the controller
        // must come back to it by itself, not at the next full resync minutes later.
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 2, Zombie: 0, Fresh: 1));
        var task = workspace.TaskIds[0];
        var fresh = workspace.Truth.FreshAgents.Single();
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux, s => s["Reconcile:Grace"] = "4s");
        Assert.Contains((string?)workspace.TaskAgent(task, fresh)["status"], new[] { "running", "working" });

        var waited = Stopwatch.StartNew();
        while ((string?)workspace.TaskAgent(task, fresh)["status"] != "terminated" && waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(50);
        }

        var agent = workspace.TaskAgent(task, fresh);
        Assert.Equal("terminated", (string?)agent["status"]);
        Assert.Equal("session_not_found", (string?)agent["termination_reason"]);
        Assert.Equal(2, (int)workspace.ReadTask(task)["active_count"]!);
    }
}
