extern alias KubernetesFull;

using KubernetesFull::k8s.Models;

namespace RegistryController.Tests.Deploy;

/// <summary>The sidecar template as a user includes it: from a parent chart that depends on this one (aliased).</summary>
public class SidecarTemplateTests
{
    private static async Task<IReadOnlyList<object>> RenderParentAsync(TempDirectory temp)
    {
        var parent = temp.Combine("orchestrator");
        Directory.CreateDirectory(Path.Combine(parent, "templates"));
        await File.WriteAllTextAsync(Path.Combine(parent, "Chart.yaml"), $"""
            apiVersion: v2
            name: orchestrator
            version: 0.1.0
            dependencies:
              - name: registry-controller
                version: 0.1.0
                repository: file://{DeployTools.Path("charts", "registry-controller")}
                alias: registryController
            """);
        await File.WriteAllTextAsync(Path.Combine(parent, "values.yaml"), """
            registryController:
              daemonSet:
                enabled: false
              workspace:
                hostPath: ""
              tmux:
                socketDir:
                  hostPath: ""
            """);
        await File.WriteAllTextAsync(Path.Combine(parent, "templates", "deployment.yaml"), """
            {{- $rc := dict "Values" .Values.registryController "Release" .Release "Chart" (dict "Name" "registry-controller" "AppVersion" "0.1.0" "Version" "0.1.0") }}
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: orchestrator
            spec:
              selector:
                matchLabels:
                  app: orchestrator
              template:
                metadata:
                  labels:
                    app: orchestrator
                spec:
                  serviceAccountName: {{ include "registry-controller.serviceAccountName" $rc }}
                  containers:
                    - name: orchestrator
                      image: python:3.12-slim
                      volumeMounts:
                        - name: workspace
                          mountPath: /workspace
                        - name: tmux-socket
                          mountPath: /run/tmux
                    {{- include "registry-controller.sidecar" $rc | nindent 8 }}
                  volumes:
                    {{- include "registry-controller.volumes" $rc | nindent 8 }}
            """);
        var update = await DeployTools.RunAsync(DeployTools.Helm, ["dependency", "update", parent]);
        Assert.True(update.ExitCode == 0, update.StandardError);
        var render = await DeployTools.RunAsync(DeployTools.Helm, ["template", "o", parent, "--namespace", "agents"]);
        Assert.True(render.ExitCode == 0, render.StandardError);
        return Manifests.LoadStrict(render.StandardOutput);
    }

    [Fact]
    public async Task A_parent_chart_renders_the_sidecar_beside_its_own_container_with_the_subcharts_defaults()
    {
        using var temp = new TempDirectory();

        var objects = await RenderParentAsync(temp);

        var pod = Assert.Single(objects.OfKind<V1Deployment>()).Spec.Template.Spec;
        Assert.Equal(["orchestrator", "registry-controller"], pod.Containers.Select(c => c.Name));
        var sidecar = pod.Container("registry-controller");
        Assert.Equal("registry-controller:0.1.0", sidecar.Image);
        Assert.Contains("--workspace=/workspace", sidecar.Args);
        Assert.Equal(["workspace", "tmux-socket", "registry-controller-tmp"], pod.Volumes.Select(v => v.Name));
    }

    [Fact]
    public async Task The_sidecar_runs_with_the_service_account_the_aliased_subchart_binds_to_its_role()
    {
        using var temp = new TempDirectory();

        var objects = await RenderParentAsync(temp);

        var pod = Assert.Single(objects.OfKind<V1Deployment>()).Spec.Template.Spec;
        var account = Assert.Single(objects.OfKind<V1ServiceAccount>());
        var binding = Assert.Single(objects.OfKind<V1RoleBinding>());
        Assert.Equal(account.Metadata.Name, pod.ServiceAccountName);
        Assert.Equal(account.Metadata.Name, binding.Subjects.Single().Name);
    }
}
