namespace RegistryController.Tests.Deploy;

/// <summary>The alerts and the dashboard against a real Prometheus scraping a real controller.</summary>
public class LivePrometheusTests(LivePrometheusFixture fixture) : IClassFixture<LivePrometheusFixture>
{
    private const string ZombieAlert = "RegistryctlZombiesTerminated";

    // Generous: a scrape and an evaluation a second, on a loaded 2-core machine.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [PromToolsFact]
    public async Task Killing_an_agents_session_raises_the_zombie_counter_and_puts_the_zombie_alert_pending()
    {
        var prometheus = fixture.Prometheus;
        var before = (await prometheus.QueryAsync("sum(registryctl_zombies_terminated_total)")).Single().Value;
        Assert.DoesNotContain(await prometheus.AlertsAsync(), a => (string?)a["labels"]!["alertname"] == ZombieAlert);

        await fixture.Workspace.Tmux.Server.KillSessionAsync(fixture.Workspace.Truth.LiveSessions[0]);

        await prometheus.UntilAsync(
            async () => (await prometheus.QueryAsync("sum(registryctl_zombies_terminated_total)")).Single().Value >= before + 1,
            Deadline,
            $"the zombie counter above {before}");
        await prometheus.UntilAsync(
            async () => (await prometheus.AlertsAsync()).Any(a =>
                (string?)a["labels"]!["alertname"] == ZombieAlert
                && (string?)a["labels"]!["registry_workspace"] == fixture.Workspace.Root
                && (string?)a["state"] == "pending"),
            Deadline,
            $"{ZombieAlert} pending for {fixture.Workspace.Root}");
    }

    [PromToolsFact]
    public async Task Every_query_of_the_dashboard_and_the_rules_parses_and_uses_only_metrics_the_controller_exports()
    {
        var exported = (await fixture.Prometheus.MetricNamesAsync()).ToHashSet(StringComparer.Ordinal);
        var queries = ChartMonitoring.DashboardQueries()
            .Concat(ChartMonitoring.ShippedRules().Groups.SelectMany(g => g.Rules).Select(r => (Panel: $"alert {r.Alert}", r.Expr)))
            .ToList();

        Assert.All(queries, q =>
        {
            var names = ChartMonitoring.MetricNames(q.Expr).ToList();
            Assert.True(names.Count > 0, $"{q.Panel}: no registryctl metric in {q.Expr}");
            Assert.All(names, n => Assert.True(exported.Contains(n), $"{q.Panel}: {n} is not exported (exported: {string.Join(", ", exported.Where(e => e.StartsWith("registryctl_", StringComparison.Ordinal)))})"));
        });
        foreach (var (panel, expr) in queries)
        {
            Assert.True(await fixture.Prometheus.QueryErrorAsync(expr) is null, $"{panel}: {expr}: {await fixture.Prometheus.QueryErrorAsync(expr)}");
        }
    }
}
