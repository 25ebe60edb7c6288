using System.Text.RegularExpressions;

namespace RegistryController.Tests.Deploy;

/// <summary>The controller's alerts: one source (the chart's template), a plain rules file, promtool's unit tests, the runbook.</summary>
public partial class AlertRuleTests
{
    [PromToolsFact]
    public async Task The_shipped_rules_file_passes_promtool_check()
    {
        var result = await PromTools.RunAsync(PromTools.Promtool, ["check", "rules", ChartMonitoring.RulesFile], DeployTools.RepositoryRoot);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
    }

    [PromToolsFact]
    public async Task Every_alert_fires_on_the_series_that_should_fire_it_and_stays_silent_on_a_healthy_one()
    {
        var result = await PromTools.RunAsync(PromTools.Promtool, ["test", "rules", ChartMonitoring.RuleTestsFile], DeployTools.RepositoryRoot);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
    }

    [Fact]
    public void The_promtool_tests_have_a_firing_and_a_silent_case_for_every_alert()
    {
        var tests = File.ReadAllText(ChartMonitoring.RuleTestsFile);
        var firing = FiringCase().Matches(tests).Select(m => m.Groups["alert"].Value).ToHashSet();
        var silent = SilentCase().Matches(tests).Select(m => m.Groups["alert"].Value).ToHashSet();

        var alerts = ChartMonitoring.ShippedRules().Groups.SelectMany(g => g.Rules).Select(r => r.Alert).ToList();
        Assert.Equal(9, alerts.Count);
        Assert.All(alerts, a => Assert.True(firing.Contains(a) && silent.Contains(a), $"{a}: firing case {firing.Contains(a)}, silent case {silent.Contains(a)}"));
    }

    [Fact]
    public async Task The_plain_rules_file_is_the_charts_rules_rendered_with_the_default_values()
    {
        var rendered = await ChartMonitoring.RenderRuleAsync();

        // Mend with deploy/prometheus/render.sh.
        Assert.Equal(ChartMonitoring.ToRulesFile(rendered.Spec), ChartMonitoring.ToRulesFile(ChartMonitoring.ShippedRules()));
    }

    [Fact]
    public void Every_alert_has_a_summary_a_description_and_a_runbook_link_to_its_own_section_of_the_runbook()
    {
        var anchors = File.ReadAllLines(ChartMonitoring.Runbook).Where(l => l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => GitHubAnchor(l[3..])).ToHashSet();

        Assert.All(ChartMonitoring.ShippedRules().Groups.SelectMany(g => g.Rules), rule =>
        {
            Assert.False(string.IsNullOrWhiteSpace(rule.Annotations.GetValueOrDefault("summary")), $"{rule.Alert} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(rule.Annotations.GetValueOrDefault("description")), $"{rule.Alert} has no description");
            Assert.Equal($"docs/runbook.md#{rule.Alert.ToLowerInvariant()}", rule.Annotations["runbook_url"]);
            Assert.Contains(rule.Alert.ToLowerInvariant(), anchors);
            Assert.Contains(rule.Labels["severity"], new[] { "warning", "critical" });
        });
    }

    [Fact]
    public async Task By_default_the_chart_renders_no_prometheus_rule()
    {
        var objects = await ChartMonitoring.RenderAsync();

        Assert.Empty(objects.OfKind<PrometheusRule>());
    }

    [Fact]
    public async Task The_prometheus_rule_carries_the_labels_the_operators_rule_selector_matches_and_the_runbook_address()
    {
        var objects = await ChartMonitoring.RenderAsync("-f", Path.Combine(ChartMonitoring.Chart, "ci", "monitoring-values.yaml"));

        var rule = Assert.Single(objects.OfKind<PrometheusRule>());
        Assert.Equal("kube-prometheus-stack", rule.Metadata.Labels["release"]);
        Assert.All(rule.Spec.Groups.SelectMany(g => g.Rules), r => Assert.StartsWith("https://example.com/registry-controller/docs/runbook.md#", r.Annotations["runbook_url"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Thresholds_and_windows_from_the_values_reach_the_alert_expressions()
    {
        var rule = await ChartMonitoring.RenderRuleAsync("prometheusRule.zombies.threshold=25", "prometheusRule.zombies.window=2h", "prometheusRule.orphans.rise=9", "prometheusRule.guard.for=15m");

        var rules = rule.Spec.Groups.SelectMany(g => g.Rules).ToDictionary(r => r.Alert);
        Assert.EndsWith("(increase(registryctl_zombies_terminated_total[2h])) > 25", rules["RegistryctlZombiesTerminated"].Expr, StringComparison.Ordinal);
        Assert.EndsWith(">= 9", rules["RegistryctlOrphansRising"].Expr, StringComparison.Ordinal);
        Assert.Equal("15m", rules["RegistryctlMassGuardHolding"].For);
    }

    [Theory]
    [InlineData("prometheusRule.zombies.window=an hour", "/prometheusRule/zombies/window")]
    [InlineData("prometheusRule.stale.seconds=0", "/prometheusRule/stale/seconds")]
    public async Task The_schema_refuses_a_bad_threshold_naming_it(string assignment, string path)
    {
        var result = await DeployTools.RunAsync(DeployTools.Helm, ["template", "rc", ChartMonitoring.Chart, "--set", assignment]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(path, result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped.</summary>
    private static string GitHubAnchor(string heading) =>
        AnchorPunctuation().Replace(heading.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-');

    [GeneratedRegex(@"alertname: (?<alert>\w+)\s*\n\s*exp_alerts:\s*\n\s*- exp_labels")]
    private static partial Regex FiringCase();

    [GeneratedRegex(@"alertname: (?<alert>\w+)\s*\n\s*exp_alerts: \[\]")]
    private static partial Regex SilentCase();

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex AnchorPunctuation();
}
