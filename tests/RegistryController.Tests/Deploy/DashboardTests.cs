extern alias KubernetesFull;

using System.Text.Json;
using KubernetesFull::k8s.Models;

namespace RegistryController.Tests.Deploy;

/// <summary>The Grafana dashboard: one file in the chart, the same under deploy/, a ConfigMap for the Grafana sidecar.</summary>
public class DashboardTests
{
    [Fact]
    public void The_dashboard_under_deploy_is_the_same_file_as_the_charts()
    {
        // Mend with deploy/prometheus/render.sh.
        Assert.Equal(File.ReadAllText(ChartMonitoring.ChartDashboard), File.ReadAllText(ChartMonitoring.DeployDashboard));
    }

    [Fact]
    public async Task By_default_the_chart_renders_no_dashboard()
    {
        var objects = await ChartMonitoring.RenderAsync();

        Assert.Empty(objects.OfKind<V1ConfigMap>());
    }

    [Fact]
    public async Task The_config_map_carries_the_sidecars_label_and_the_dashboard_file()
    {
        var objects = await ChartMonitoring.RenderAsync("-f", Path.Combine(ChartMonitoring.Chart, "ci", "monitoring-values.yaml"));

        var map = Assert.Single(objects.OfKind<V1ConfigMap>());
        Assert.Equal("1", map.Metadata.Labels["grafana_dashboard"]);
        Assert.Equal("Agents", map.Metadata.Annotations["grafana_folder"]);
        Assert.Equal(File.ReadAllText(ChartMonitoring.ChartDashboard).TrimEnd('\n'), map.Data["registry-controller.json"]);
    }

    [Fact]
    public void Every_panel_queries_the_datasource_variable_and_has_at_least_one_query()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(ChartMonitoring.ChartDashboard));

        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        Assert.All(panels, p =>
        {
            Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEqual(0, p.GetProperty("targets").GetArrayLength());
        });
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
    }
}
