extern alias KubernetesFull;

using KubernetesFull::k8s.Models;

namespace RegistryController.Tests.Deploy;

public class HelmChartTests
{
    private static readonly string Chart = DeployTools.Path("charts", "registry-controller");

    /// <summary>The default values and the chart's ci/ value sets (as chart-testing runs them).</summary>
    public static TheoryData<string> ValueSets() => ["", "daemonset-values.yaml", "sidecar-values.yaml", "leader-election-values.yaml", "servicemonitor-values.yaml", "monitoring-values.yaml"];

    private static string[] ValuesArguments(string valueSet) => valueSet.Length == 0 ? [] : ["-f", Path.Combine(Chart, "ci", valueSet)];

    private static async Task<IReadOnlyList<object>> RenderAsync(params string[] arguments)
    {
        var result = await DeployTools.RunAsync(DeployTools.Helm, ["template", "rc", Chart, "--namespace", "agents", .. arguments]);
        Assert.True(result.ExitCode == 0, $"helm template failed: {result.StandardError}");
        return Manifests.LoadStrict(result.StandardOutput);
    }

    private static async Task<string> RenderErrorAsync(params string[] arguments)
    {
        var result = await DeployTools.RunAsync(DeployTools.Helm, ["template", "rc", Chart, .. arguments]);
        Assert.NotEqual(0, result.ExitCode);
        return result.StandardError;
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Helm_lint_passes_strictly(string valueSet)
    {
        var result = await DeployTools.RunAsync(DeployTools.Helm, ["lint", "--strict", Chart, .. ValuesArguments(valueSet)]);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public async Task Every_rendered_document_loads_into_a_typed_model_with_no_unknown_field(string valueSet)
    {
        var objects = await RenderAsync(ValuesArguments(valueSet));

        Assert.NotEmpty(objects);
        Assert.All(objects, o => Assert.True(o.GetType().Namespace == "k8s.Models" || o is ServiceMonitor or PrometheusRule, $"{o.GetType()} is not a typed model"));
    }

    [Fact]
    public void A_misspelt_field_fails_the_strict_load()
    {
        const string yaml = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
                - name: c
                  image: i
                  securityContxt:
                    runAsNonRoot: true
            """;

        Assert.ThrowsAny<Exception>(() => Manifests.LoadStrict(yaml));
    }

    [Fact]
    public async Task By_default_a_daemonset_runs_the_controller_locked_down_on_the_nodes_workspace_and_socket()
    {
        var objects = await RenderAsync();

        var daemonSet = Assert.Single(objects.OfKind<V1DaemonSet>());
        var pod = daemonSet.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        Assert.Equal(("registry-controller:0.1.0", 1000L), (container.Image, container.SecurityContext.RunAsUser));
        Assert.Equal((true, true, false), (container.SecurityContext.RunAsNonRoot, container.SecurityContext.ReadOnlyRootFilesystem, container.SecurityContext.AllowPrivilegeEscalation));
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Equal(("/healthz", "health"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
        Assert.Equal(("/readyz", "health"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
        Assert.Equal(8080, container.Ports.Single(p => p.Name == "health").ContainerPort);
        Assert.Contains("--tmux-socket=/run/tmux/default", container.Args);
        Assert.Contains("--listen=0.0.0.0:8080", container.Args);
        Assert.DoesNotContain("--leader-elect", container.Args);
        Assert.Equal("/srv/agent-workspace", pod.Volumes.Single(v => v.Name == "workspace").HostPath.Path);
        Assert.Equal("/tmp/tmux-1000", pod.Volumes.Single(v => v.Name == "tmux-socket").HostPath.Path);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == "registry-controller-tmp").EmptyDir);
        Assert.Equal(["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName"], container.Env.Where(e => e.ValueFrom is not null).Select(e => e.ValueFrom.FieldRef.FieldPath));
        Assert.Equal(("/tmp", "/tmp"), (container.Env("HOME"), container.Env("TMPDIR")));
        Assert.Equal(daemonSet.Spec.Template.Spec.ServiceAccountName, Assert.Single(objects.OfKind<V1ServiceAccount>()).Metadata.Name);
    }

    [Fact]
    public async Task Without_leader_election_the_role_grants_events_and_no_leases()
    {
        var objects = await RenderAsync();

        var role = Assert.Single(objects.OfKind<V1Role>());
        var rule = Assert.Single(role.Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["events"], rule.Resources);
        Assert.Equal(["create", "patch"], rule.Verbs);
        var binding = Assert.Single(objects.OfKind<V1RoleBinding>());
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
    }

    [Fact]
    public async Task The_socket_directory_on_the_node_follows_the_uid()
    {
        var objects = await RenderAsync("--set", "uid=1234", "--set", "gid=1234");

        var pod = Assert.Single(objects.OfKind<V1DaemonSet>()).Spec.Template.Spec;
        Assert.Equal("/tmp/tmux-1234", pod.Volumes.Single(v => v.Name == "tmux-socket").HostPath.Path);
        Assert.Equal((1234L, 1234L), (pod.SecurityContext.RunAsUser, pod.Containers[0].SecurityContext.RunAsUser));
    }

    [Fact]
    public async Task The_daemonset_value_set_carries_intervals_orphan_clean_up_time_zone_and_otlp_endpoint()
    {
        var objects = await RenderAsync(ValuesArguments("daemonset-values.yaml"));

        var pod = Assert.Single(objects.OfKind<V1DaemonSet>()).Spec.Template.Spec;
        var container = pod.Container("registry-controller");
        Assert.Contains("--grace=45s", container.Args);
        Assert.Contains("--kill-orphans-after=10m", container.Args);
        Assert.Equal("Europe/Berlin", container.Env("TZ"));
        Assert.Equal("http://otel-collector.observability:4317", container.Env("OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Equal("Debug", container.Env("REGISTRYCTL_Log__Level"));
        Assert.Equal("/home/agents/.agent-workspace", pod.Volumes.Single(v => v.Name == "workspace").HostPath.Path);
        Assert.Equal("/tmp/tmux-1001", pod.Volumes.Single(v => v.Name == "tmux-socket").HostPath.Path);
        Assert.Equal("true", pod.NodeSelector["agents.example.com/tmux"]);
    }

    [Fact]
    public async Task The_sidecar_template_puts_the_controller_beside_the_orchestrator_on_shared_volumes()
    {
        var objects = await RenderAsync(ValuesArguments("sidecar-values.yaml"));

        Assert.Empty(objects.OfKind<V1DaemonSet>());
        var pod = Assert.Single(objects.OfKind<V1Deployment>()).Spec.Template.Spec;
        Assert.Equal(["orchestrator", "registry-controller"], pod.Containers.Select(c => c.Name));
        var orchestrator = pod.Container("orchestrator");
        var sidecar = pod.Container("registry-controller");
        foreach (var volume in new[] { "workspace", "tmux-socket" })
        {
            Assert.Equal(orchestrator.VolumeMounts.Single(m => m.Name == volume).MountPath, sidecar.VolumeMounts.Single(m => m.Name == volume).MountPath);
            Assert.NotNull(pod.Volumes.Single(v => v.Name == volume).EmptyDir);
        }

        Assert.Equal(orchestrator.Env("TMUX_SOCKET"), sidecar.Args.Single(a => a.StartsWith("--tmux-socket=", StringComparison.Ordinal))["--tmux-socket=".Length..]);
        Assert.Equal(orchestrator.Env("CLAUDE_ORCHESTRATOR_WORKSPACE"), sidecar.Args.Single(a => a.StartsWith("--workspace=", StringComparison.Ordinal))["--workspace=".Length..]);
    }

    [Fact]
    public async Task Leader_election_adds_the_flag_its_settings_and_a_role_limited_to_the_one_lease()
    {
        var objects = await RenderAsync(ValuesArguments("leader-election-values.yaml"));

        var deployment = Assert.Single(objects.OfKind<V1Deployment>());
        Assert.Equal(2, deployment.Spec.Replicas);
        var sidecar = deployment.Spec.Template.Spec.Container("registry-controller");
        Assert.Contains("--leader-elect", sidecar.Args);
        Assert.Equal(("agents-registry", "agents", "20s", "12s", "3s"), (sidecar.Env("REGISTRYCTL_Leader__LeaseName"), sidecar.Env("REGISTRYCTL_Leader__LeaseNamespace"), sidecar.Env("REGISTRYCTL_Leader__LeaseDuration"), sidecar.Env("REGISTRYCTL_Leader__RenewDeadline"), sidecar.Env("REGISTRYCTL_Leader__RetryPeriod")));
        Assert.Equal("agent-workspace", deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == "workspace").PersistentVolumeClaim.ClaimName);
        var leaseRules = objects.OfKind<V1Role>().SelectMany(r => r.Rules).Where(r => r.Resources.Contains("leases")).ToList();
        Assert.Equal(["create"], leaseRules.Single(r => r.ResourceNames is null).Verbs);
        var named = leaseRules.Single(r => r.ResourceNames is not null);
        Assert.Equal(["agents-registry"], named.ResourceNames);
        Assert.Equal(["get", "update"], named.Verbs);
        Assert.Equal(2, objects.OfKind<V1RoleBinding>().Count());
    }

    [Fact]
    public async Task The_service_monitor_scrapes_metrics_on_the_health_port_of_the_controllers()
    {
        var objects = await RenderAsync(ValuesArguments("servicemonitor-values.yaml"));

        var monitor = Assert.Single(objects.OfKind<ServiceMonitor>());
        var endpoint = Assert.Single(monitor.Spec.Endpoints);
        Assert.Equal(("health", "/metrics", "15s"), (endpoint.Port, endpoint.Path, endpoint.Interval));
        Assert.Equal("kube-prometheus-stack", monitor.Metadata.Labels["release"]);
        var service = Assert.Single(objects.OfKind<V1Service>());
        Assert.Equal(monitor.Spec.Selector.MatchLabels, service.Metadata.Labels.Where(l => monitor.Spec.Selector.MatchLabels.ContainsKey(l.Key)).ToDictionary());
        Assert.Equal("health", service.Spec.Ports.Single().Name);
        var podLabels = Assert.Single(objects.OfKind<V1DaemonSet>()).Spec.Template.Metadata.Labels;
        Assert.All(service.Spec.Selector, l => Assert.Equal(l.Value, podLabels[l.Key]));
    }

    [Fact]
    public async Task Leader_election_on_a_daemonset_is_refused_with_the_reason()
    {
        var error = await RenderErrorAsync("--set", "leaderElection.enabled=true");

        Assert.Contains("each node has its own tmux server", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("controller.grace=soon", "/controller/grace")]
    [InlineData("uid=0", "/uid")]
    [InlineData("controller.logFormat=xml", "/controller/logFormat")]
    [InlineData("securityContext.allowPrivilegeEscalation=true", "/securityContext/allowPrivilegeEscalation")]
    public async Task The_schema_refuses_a_bad_value_naming_it(string assignment, string path)
    {
        var error = await RenderErrorAsync("--set", assignment);

        Assert.Contains(path, error, StringComparison.Ordinal);
    }
}
