extern alias KubernetesFull;

using System.Text.Json.Serialization;
using KubernetesFull::k8s;
using KubernetesFull::k8s.Models;

namespace RegistryController.Testing;

/// <summary>The prometheus-operator's PrometheusRule (monitoring.coreos.com/v1), with the fields the chart uses.</summary>
public sealed class PrometheusRule : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public RuleFile Spec { get; set; } = new();
}

/// <summary>A Prometheus rules file, which is also a PrometheusRule's spec.</summary>
public sealed class RuleFile
{
    [JsonPropertyName("groups")]
    public List<RuleGroup> Groups { get; set; } = [];
}

public sealed class RuleGroup
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    [JsonPropertyName("rules")]
    public List<AlertRule> Rules { get; set; } = [];
}

public sealed class AlertRule
{
    [JsonPropertyName("alert")]
    public string Alert { get; set; } = "";

    [JsonPropertyName("expr")]
    public string Expr { get; set; } = "";

    [JsonPropertyName("for")]
    public string? For { get; set; }

    [JsonPropertyName("labels")]
    public Dictionary<string, string> Labels { get; set; } = [];

    [JsonPropertyName("annotations")]
    public Dictionary<string, string> Annotations { get; set; } = [];
}
