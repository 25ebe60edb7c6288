using RegistryController.Generation;
using Registryctl.Output;

namespace RegistryController.Tests.Commands;

/// <summary>Many orphan sessions: the human report names a few and counts the rest; <c>--json</c> lists every one.</summary>
public class OrphanListTests
{
    private const int Orphans = HumanReportWriter.OrphansShown + 3;

    [Fact]
    public async Task The_human_report_names_the_first_orphans_and_counts_the_rest()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0), orphans: Orphans);

        var result = await workspace.RunAsync("health");

        Assert.Equal(HumanReportWriter.OrphansShown, workspace.Truth.OrphanSessions.Count(s => result.Stdout.Contains(s, StringComparison.Ordinal)));
        Assert.Contains("… and 3 more (--json lists all)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_json_report_lists_every_orphan()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0), orphans: Orphans);

        var result = await workspace.RunAsync("health", "--json");

        Assert.Equal(Orphans, result.Report().GetProperty("orphans").GetArrayLength());
    }
}
