using System.Text.Json.Nodes;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary>The stuck-agent rule as <c>registryctl health --json</c> reports it.</summary>
public class HealthStuckAgentTests
{
    [Fact]
    public async Task An_active_agent_whose_log_is_older_than_stuck_after_is_reported_stuck_and_left_as_is()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 2);
        var registry = workspace.TaskRegistry(0);
        var (stuck, busy) = (workspace.AgentIds(0)[0], workspace.AgentIds(0)[1]);
        await StuckAgents.PointAtAsync(registry, stuck, StuckAgents.TrackQuietLog(workspace.Root, workspace.TaskIds[0], stuck, quietFor: TimeSpan.FromMinutes(20)));
        await StuckAgents.PointAtAsync(registry, busy, StuckAgents.TrackQuietLog(workspace.Root, workspace.TaskIds[0], busy, quietFor: TimeSpan.FromMinutes(5)));
        var before = await File.ReadAllBytesAsync(registry);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await RegistryctlCommand.RunAsync(["health", "--json", "-w", workspace.Root, "-S", workspace.Tmux.SocketPath, "--set", "Controller:StuckAfter=15m"], stdout, stderr);

        Assert.True(exit == ExitCodes.Discrepancies, $"exit {exit}: {stderr}");
        var report = JsonNode.Parse(stdout.ToString())!;
        var findings = report["registries"]!.AsArray().Single(r => (string?)r!["path"] == registry)!["findings"]!.AsArray();
        var stuckFindings = findings.Where(f => (string?)f!["code"] == "stuck").Select(f => (string)f!["message"]!).ToList();
        var message = Assert.Single(stuckFindings);
        Assert.Contains(stuck, message, StringComparison.Ordinal);
        Assert.Empty(report["registries"]!.AsArray().SelectMany(r => r!["zombies"]!.AsArray()));
        Assert.Equal(before, await File.ReadAllBytesAsync(registry));
    }
}
