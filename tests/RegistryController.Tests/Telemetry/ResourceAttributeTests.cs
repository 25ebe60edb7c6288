using OpenTelemetry.Proto.Resource.V1;
using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>
/// Who sent the telemetry: the resource of what `registryctl health` exports, with the standard
/// variables and the Kubernetes downward-API ones, as a collector receives it.
/// </summary>
public class ResourceAttributeTests
{
    [Fact]
    public async Task By_default_the_service_is_registry_controller_with_its_version_host_and_process_id()
    {
        var version = (await RegistryctlProcess.RunAsync(["--version"])).Stdout.Trim().Split('+')[0];

        var (resource, pid) = await ExportedResourceAsync(new Dictionary<string, string>());

        Assert.Equal("registry-controller", Attribute(resource, "service.name"));
        Assert.Equal(version, Attribute(resource, "service.version"));
        Assert.Equal(Environment.MachineName, Attribute(resource, "host.name"));
        Assert.Equal(pid, Otlp.Find(resource.Attributes, "process.pid")?.IntValue);
        Assert.Null(Otlp.Find(resource.Attributes, "k8s.pod.name"));
    }

    [Fact]
    public async Task OTEL_SERVICE_NAME_names_the_service()
    {
        var (resource, _) = await ExportedResourceAsync(new() { ["OTEL_SERVICE_NAME"] = "registry-controller-canary" });

        Assert.Equal("registry-controller-canary", Attribute(resource, "service.name"));
    }

    [Fact]
    public async Task OTEL_RESOURCE_ATTRIBUTES_adds_its_attributes_and_keeps_the_default_service_name()
    {
        var (resource, _) = await ExportedResourceAsync(new() { ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=staging,team=platform" });

        Assert.Equal("staging", Attribute(resource, "deployment.environment.name"));
        Assert.Equal("platform", Attribute(resource, "team"));
        Assert.Equal("registry-controller", Attribute(resource, "service.name"));
    }

    [Fact]
    public async Task A_service_name_in_OTEL_RESOURCE_ATTRIBUTES_names_the_service_and_OTEL_SERVICE_NAME_wins_over_it()
    {
        var (fromAttributes, _) = await ExportedResourceAsync(new() { ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=from-attributes" });
        var (fromBoth, _) = await ExportedResourceAsync(new() { ["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=from-attributes", ["OTEL_SERVICE_NAME"] = "from-service-name" });

        Assert.Equal("from-attributes", Attribute(fromAttributes, "service.name"));
        Assert.Equal("from-service-name", Attribute(fromBoth, "service.name"));
    }

    [Fact]
    public async Task The_downward_API_variables_become_the_pod_namespace_and_node_attributes()
    {
        var (resource, _) = await ExportedResourceAsync(new() { ["POD_NAME"] = "registry-controller-7d9f-x2x4q", ["POD_NAMESPACE"] = "agents", ["NODE_NAME"] = "node-3" });

        Assert.Equal("registry-controller-7d9f-x2x4q", Attribute(resource, "k8s.pod.name"));
        Assert.Equal("agents", Attribute(resource, "k8s.namespace.name"));
        Assert.Equal("node-3", Attribute(resource, "k8s.node.name"));
    }

    private static string? Attribute(Resource resource, string key) => Otlp.Find(resource.Attributes, key)?.StringValue;

    /// <summary>Runs `registryctl health` with the variables and returns the resource its spans and metrics arrived with, and its pid.</summary>
    private static async Task<(Resource Resource, long Pid)> ExportedResourceAsync(Dictionary<string, string> variables)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0));
        var environment = receiver.ExporterEnvironment();
        foreach (var (key, value) in variables)
        {
            environment[key] = value;
        }

        await using var health = RegistryctlProcess.Start(["health", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath], environment);
        var pid = health.Id;
        var result = await health.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        var resources = receiver.Spans.Select(s => s.Resource).Concat(receiver.Metrics.Select(m => m.Resource)).ToList();
        Assert.True(resources.Count > 0, $"nothing exported: {result}");
        // Traces and metrics describe the same process.
        Assert.Single(resources.Distinct());
        return (resources[0], pid);
    }
}
