extern alias KubernetesFull;

using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using KubernetesFull::k8s;

namespace RegistryController.Testing;

/// <summary>The chart's alerting rules and dashboard, and the copies of them under deploy/.</summary>
public static partial class ChartMonitoring
{
    public static readonly string Chart = DeployTools.Path("charts", "registry-controller");

    public static readonly string RulesFile = DeployTools.Path("deploy", "prometheus", "registryctl-rules.yaml");

    public static readonly string RuleTestsFile = DeployTools.Path("deploy", "prometheus", "tests", "registryctl-rules.test.yaml");

    public static readonly string ChartDashboard = DeployTools.Path("charts", "registry-controller", "dashboards", "registry-controller.json");

    public static readonly string DeployDashboard = DeployTools.Path("deploy", "grafana", "registry-controller.json");

    public static readonly string Runbook = DeployTools.Path("docs", "runbook.md");

    private static readonly JsonSerializerOptions RulesJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Renders the chart (namespace agents) with <paramref name="arguments"/> and loads every document strictly.</summary>
    public static async Task<IReadOnlyList<object>> RenderAsync(params string[] arguments)
    {
        var result = await DeployTools.RunAsync(DeployTools.Helm, ["template", "rc", Chart, "--namespace", "agents", .. arguments]);
        Assert.True(result.ExitCode == 0, $"helm template failed: {result.StandardError}");
        return Manifests.LoadStrict(result.StandardOutput);
    }

    /// <summary>The PrometheusRule the chart renders with the rule switched on and <paramref name="sets"/> (helm --set).</summary>
    public static async Task<PrometheusRule> RenderRuleAsync(params string[] sets)
    {
        var objects = await RenderAsync(["--set", "prometheusRule.enabled=true", .. sets.SelectMany(s => new[] { "--set", s })]);
        return Assert.Single(objects.OfKind<PrometheusRule>());
    }

    /// <summary>The shipped plain rules file, loaded strictly.</summary>
    public static RuleFile ShippedRules() => KubernetesYaml.Deserialize<RuleFile>(File.ReadAllText(RulesFile), strict: true);

    /// <summary>Rules as a rules file Prometheus loads (JSON is YAML).</summary>
    public static string ToRulesFile(RuleFile rules) => JsonSerializer.Serialize(rules, RulesJson);

    /// <summary>Every PromQL expression of the dashboard's panels, with Grafana's interval variables made concrete.</summary>
    public static IReadOnlyList<(string Panel, string Expr)> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(ChartDashboard));
        return [.. dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()
                .Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!.Replace("$__rate_interval", "1m", StringComparison.Ordinal))))];
    }

    /// <summary>The controller's metric names an expression uses.</summary>
    public static IEnumerable<string> MetricNames(string expr) => MetricName().Matches(expr).Select(m => m.Value);

    [GeneratedRegex(@"\bregistryctl_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
