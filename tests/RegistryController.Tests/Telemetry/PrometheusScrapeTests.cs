using System.Globalization;
using System.Text.RegularExpressions;
using RegistryController.Generation;
using RegistryController.Judgement;

namespace RegistryController.Tests.Telemetry;

/// <summary>
/// `registryctl run` serves /metrics on its health listener with no exporter configured: what a
/// Prometheus scrape of a controller watching two workspaces reads after the startup repair.
/// </summary>
public partial class PrometheusScrapeTests
{
    [Fact]
    public async Task A_scrape_after_the_startup_repair_counts_the_zombies_terminated_in_each_workspace()
    {
        // Two workspaces on one tmux server: the first with one zombie, the second with two.
        await using var first = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 2, Zombie: 1));
        var second = WorkspaceGenerator.Generate(first.Outside + "/second", tasks: 1, new AgentMix(Live: 2, Zombie: 2), orphans: 0, ClockReading.From(TimeProvider.System), seed: 2);
        foreach (var session in WorkspaceGenerator.LiveAndOrphanSessions(second.Truth))
        {
            await first.Tmux.Server.NewSessionAsync(session);
        }

        await using var controller = await RegistryctlProcess.StartControllerAsync(first.Root, first.Tmux.SocketPath, null, "--workspace", second.Root);
        var samples = Parse(await controller.GetAsync("metrics"));

        Assert.Equal(first.Truth.Zombies.Length, Value(samples, "registryctl_zombies_terminated_total", ("registry_workspace", first.Root), ("agent_termination_reason", "session_not_found")));
        Assert.Equal(second.Truth.Zombies.Length, Value(samples, "registryctl_zombies_terminated_total", ("registry_workspace", second.Root), ("agent_termination_reason", "session_not_found")));
        Assert.Equal(1, Value(samples, "registryctl_reconciles_total", ("registry_workspace", second.Root), ("registry_kind", "task"), ("reconcile_outcome", "repaired")));
        Assert.Equal(second.Truth.LiveSessions.Length, Value(samples, "registryctl_agents_active", ("registry_workspace", second.Root)));
    }

    [Fact]
    public async Task A_scrape_shows_every_metric_family_under_its_prometheus_name()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 1));
        await using var controller = await RegistryctlProcess.StartControllerAsync(workspace.Root, workspace.Tmux.SocketPath);

        var text = await controller.GetAsync("metrics");

        string[] families =
        [
            "registryctl_reconciles_total counter",
            "registryctl_reconcile_duration_seconds histogram",
            "registryctl_zombies_terminated_total counter",
            "registryctl_orphans gauge",
            "registryctl_agents_active gauge",
            "registryctl_queue_depth gauge",
            "registryctl_lock_wait_seconds histogram",
            "registryctl_tmux_view_duration_seconds histogram",
        ];
        Assert.All(families, family => Assert.Contains($"# TYPE {family}\n", text, StringComparison.Ordinal));
        // Durations in seconds: every reconcile series has its buckets, the last (+Inf) holding all of its count.
        var samples = Parse(text);
        var counts = samples.Where(s => s.Name == "registryctl_reconcile_duration_seconds_count").ToList();
        Assert.NotEmpty(counts);
        Assert.All(counts, count => Assert.Equal(count.Value, Value(samples, "registryctl_reconcile_duration_seconds_bucket", [.. count.Labels.Select(l => (l.Key, l.Value)).Append(("le", "+Inf"))])));
        // Sub-second buckets, as the instruments advise (the SDK's own start at 5, for milliseconds).
        Assert.Equal(
            ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "+Inf"],
            samples.Where(s => s.Name == "registryctl_reconcile_duration_seconds_bucket").Select(s => s.Labels["le"]).Distinct());
    }

    private static double Value(List<Sample> samples, string name, params (string Label, string Value)[] labels)
    {
        var matching = samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).ToList();
        Assert.True(matching.Count == 1, $"{matching.Count} samples of {name} with {string.Join(", ", labels)}:\n{string.Join('\n', samples.Where(s => s.Name == name))}");
        return matching[0].Value;
    }

    /// <summary>The Prometheus text format, as a scraper reads it: name{label="value",…} value.</summary>
    private static List<Sample> Parse(string text) => [.. text.Split('\n')
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .Select(line => SampleLine().Match(line))
        .Select(m =>
        {
            Assert.True(m.Success, "not a sample line");
            var labels = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["key"].Value, l => Regex.Unescape(l.Groups["value"].Value), StringComparer.Ordinal);
            return new Sample(m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        })];

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(\\.|[^"\\])*)",?""")]
    private static partial Regex LabelPair();

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value)
    {
        public override string ToString() => $"{Name}{{{string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} {Value}";
    }
}
