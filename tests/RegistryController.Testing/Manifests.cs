extern alias KubernetesFull;

using System.Text.Json.Serialization;
using KubernetesFull::k8s;
using KubernetesFull::k8s.Models;

namespace RegistryController.Testing;

/// <summary>
/// Rendered manifests loaded into KubernetesClient's typed models with strict YAML deserialization:
/// a field the model does not know (a typo, a wrong indent, a field of another kind) fails the load.
/// The full KubernetesClient (under an alias beside the controller's KubernetesClient.Aot): only it loads
/// several kinds, custom ones included, from one YAML stream.
/// </summary>
public static class Manifests
{
    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(ServiceMonitor),
        ["monitoring.coreos.com/v1/PrometheusRule"] = typeof(PrometheusRule),
    };

    public static IReadOnlyList<object> LoadStrict(string yaml) => KubernetesYaml.LoadAllFromString(yaml, CustomKinds, strict: true);

    public static IEnumerable<T> OfKind<T>(this IReadOnlyList<object> objects) => objects.OfType<T>();

    public static V1Container Container(this V1PodSpec pod, string name) => pod.Containers.Single(c => c.Name == name);

    public static string? Env(this V1Container container, string name) => container.Env?.SingleOrDefault(e => e.Name == name)?.Value;
}

/// <summary>The prometheus-operator's ServiceMonitor, with the fields the chart uses (monitoring.coreos.com/v1).</summary>
public sealed class ServiceMonitor : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ServiceMonitorSpec Spec { get; set; } = new();
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("selector")]
    public V1LabelSelector Selector { get; set; } = new();

    [JsonPropertyName("namespaceSelector")]
    public NamespaceSelector? NamespaceSelector { get; set; }

    [JsonPropertyName("endpoints")]
    public List<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class NamespaceSelector
{
    [JsonPropertyName("matchNames")]
    public List<string>? MatchNames { get; set; }

    [JsonPropertyName("any")]
    public bool? Any { get; set; }
}

public sealed class ServiceMonitorEndpoint
{
    [JsonPropertyName("port")]
    public string? Port { get; set; }

    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    [JsonPropertyName("scrapeTimeout")]
    public string? ScrapeTimeout { get; set; }

    [JsonPropertyName("scheme")]
    public string? Scheme { get; set; }
}
