using RegistryController.Tools.Torture;

namespace RegistryController.Tests.Torture;

/// <summary>
/// The short run of the crash-safety torture (docs/reliability.md): <c>registryctl repair</c> killed
/// with SIGKILL at random points of its writes while python3 readers poll. The long run is
/// <c>dotnet run --project tools/RegistryController.Generate -- torture-crash --kills 500</c>.
/// </summary>
public sealed class CrashTortureTests
{
    [Fact]
    public async Task Killing_repairs_mid_write_leaves_every_file_parsable_with_its_agents_and_a_locked_reader_never_sees_a_torn_file()
    {
        var report = await CrashTorture.RunAsync(new CrashOptions { Kills = 30, Tasks = 8, Seed = 7 });

        Assert.True(report.Violations.Count == 0, report.Summary());
        Assert.Equal(0, report.LockedFailures);
        Assert.Equal(0, report.TornFiles);
        // The kills landed where it matters: between the first and the last write of a repair.
        Assert.True(report.KillsMidRepair > 0, report.Summary());
    }
}
