using RegistryController.Tools.Torture;

namespace RegistryController.Tests.Torture;

/// <summary>
/// The short run of the concurrency torture (docs/reliability.md): python3 orchestrator writers,
/// careful and careless, at full speed while the real controller runs in-process. The long run is
/// <c>dotnet run --project tools/RegistryController.Generate -- torture-concurrency --ops 10000</c>.
/// </summary>
public sealed class ConcurrencyTortureTests
{
    [Fact]
    public async Task Under_racing_orchestrator_writers_no_write_is_lost_counters_end_exact_and_no_live_agent_is_terminated()
    {
        var report = await ConcurrencyTorture.RunAsync(new ConcurrencyOptions { OperationsPerSimulator = 70, Seed = 7 });

        Assert.True(report.Violations.Count == 0, report.Summary());
        Assert.Equal(4 * 70, report.Operations);
        // The run was a real contest: agents crashed for the controller to find, and it wrote.
        Assert.True(report.CrashedAgents > 0, report.Summary());
        Assert.True(report.ControllerWrites > 0, report.Summary());
    }
}
