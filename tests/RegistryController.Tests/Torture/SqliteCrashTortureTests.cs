using RegistryController.Tools.Torture;

namespace RegistryController.Tests.Torture;

/// <summary>
/// The short run of the SQLite crash-safety torture (docs/reliability.md): <c>registryctl repair</c> of a 2026
/// workspace killed with SIGKILL around its write transaction and its progress lines while a python3 orchestrator
/// writer commits. The long run is <c>dotnet run --project tools/RegistryController.Generate -- torture-crash-sqlite</c>.
/// </summary>
public sealed class SqliteCrashTortureTests
{
    [Fact]
    public async Task Killing_sqlite_repairs_leaves_a_sound_database_and_whole_repairs_and_the_next_pass_leaves_one_terminal_line_per_ended_agent()
    {
        var report = await SqliteCrashTorture.RunAsync(new SqliteCrashOptions { Kills = 12, Tasks = 4, ZombiesPerTask = 10, Seed = 7 });

        Assert.True(report.Violations.Count == 0, report.Summary());
        // The kills landed where it matters: rows committed whose progress lines were not all written yet.
        Assert.True(report.BetweenCommitAndLines + report.AmidLines > 0, report.Summary());
        Assert.True(report.LinesCompletedByNextPass > 0, report.Summary());
        Assert.True(report.WriterCommits > 0, report.Summary());
    }
}
