using System.Text.Json.Nodes;
using RegistryController.Generation;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary><c>health --grace</c>: health judges youth as repair would, so that it reports what repair would do.</summary>
public class HealthGraceTests
{
    [Fact]
    public async Task An_agent_40_s_old_without_a_session_is_a_zombie_by_the_default_grace()
    {
        await using var workspace = await WorkspaceWithAgentStartedAgo(TimeSpan.FromSeconds(40));

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, result.ToString());
    }

    [Fact]
    public async Task An_agent_40_s_old_without_a_session_is_not_a_zombie_with_grace_45s()
    {
        await using var workspace = await WorkspaceWithAgentStartedAgo(TimeSpan.FromSeconds(40));

        var result = await workspace.RunAsync("health", "--grace", "45s");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
    }

    /// <summary>One live agent, and one whose session never existed, started <paramref name="age"/> ago (in both registries).</summary>
    private static async Task<TmuxWorkspace> WorkspaceWithAgentStartedAgo(TimeSpan age)
    {
        var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 1));
        var zombie = workspace.Truth.Zombies.Single();
        var started = Agents.PythonIsoformat(DateTimeOffset.UtcNow - age);
        var task = workspace.ReadTask(zombie.TaskId);
        task["agents"]!.AsArray().Single(a => (string?)a!["id"] == zombie.AgentId)!["started_at"] = started;
        await File.WriteAllTextAsync(workspace.TaskPath(zombie.TaskId), task.ToJsonString());
        var global = workspace.ReadGlobal();
        if (global["agents"]?[zombie.AgentId] is JsonObject entry)
        {
            entry["started_at"] = started;
            await File.WriteAllTextAsync(workspace.GlobalPath, global.ToJsonString());
        }

        return workspace;
    }
}
