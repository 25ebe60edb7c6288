using System.Globalization;
using System.Text.RegularExpressions;
using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>
/// registryctl_registries_unsettled, behind the "registry left unrepaired" alert: a registry counts
/// while its latest reconcile failed, and stops counting once a reconcile settles it.
/// </summary>
public partial class UnsettledRegistriesGaugeTests
{
    [Fact]
    public async Task A_registry_counts_as_unsettled_in_error_while_it_is_unreadable_and_no_longer_once_it_is_mended()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 0));
        var bad = workspace.TaskPath(workspace.TaskIds[1]);
        var original = await File.ReadAllTextAsync(bad);
        // Cut in half, as a writer that died mid-write leaves it.
        await Python.RunAsync("import sys; p=sys.argv[1]; t=open(p).read(); open(p,'w').write(t[:len(t)//2])", bad);
        await using var controller = await RegistryctlProcess.StartControllerAsync(workspace.Root, workspace.Tmux.SocketPath);

        Assert.Equal((1, 0), (await UnsettledAsync(controller, "error"), await UnsettledAsync(controller, "held")));

        await Python.RunAsync("import sys; open(sys.argv[1],'w').write(sys.argv[2])", bad, original);

        await Eventually.Until(async () => await UnsettledAsync(controller, "error") == 0, TimeSpan.FromSeconds(30), "the mended registry no longer unsettled");
    }

    private static async Task<double> UnsettledAsync(RegistryctlProcess controller, string outcome)
    {
        var text = await controller.GetAsync("metrics");
        var sample = Sample().Matches(text).Single(m => m.Groups["labels"].Value.Contains($"reconcile_outcome=\"{outcome}\"", StringComparison.Ordinal));
        return double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^registryctl_registries_unsettled\{(?<labels>[^}]*)\} (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
