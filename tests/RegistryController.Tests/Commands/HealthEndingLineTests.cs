namespace RegistryController.Tests.Commands;

/// <summary>
/// The human <c>health</c> report says, for each zombie, the ending a repair would record: found missing in the trial
/// against the orchestrator's own code (bench/python/orchestrator_trial.py), where an agent whose stream log ended in
/// a success result and a crashed one read alike until repaired.
/// </summary>
public class HealthEndingLineTests
{
    [Fact]
    public async Task The_human_health_report_says_what_a_repair_would_record_for_each_zombie()
    {
        await using var workspace = await Orchestrator2026Workspace.StartAsync();

        var result = await workspace.RunAsync("health");

        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.Stdout.Split('\n');
        Assert.All(Orchestrator2026Workspace.ExpectedZombies, zombie => Assert.Contains(lines, line =>
            line.Contains($"zombie {(string)zombie["agent_id"]!}", StringComparison.Ordinal)
            && line.Contains($"→ would be {(string)zombie["correct_reconcile"]!["status"]!} (", StringComparison.Ordinal)));
    }
}
