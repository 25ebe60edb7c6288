extern alias KubernetesFull;

using KubernetesFull::k8s.Models;

namespace RegistryController.Tests.Deploy;

public class KustomizeTests
{
    private static async Task<IReadOnlyList<object>> BuildBaseAsync()
    {
        var result = await DeployTools.RunAsync(DeployTools.Kubectl, ["kustomize", DeployTools.Path("deploy", "kustomize", "base")]);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize failed: {result.StandardError}");
        return Manifests.LoadStrict(result.StandardOutput);
    }

    [Fact]
    public async Task The_base_renders_into_typed_models_with_no_unknown_field()
    {
        var objects = await BuildBaseAsync();

        Assert.Equal(["ServiceAccount", "Role", "RoleBinding", "Pod"], objects.Select(o => ((KubernetesFull::k8s.IKubernetesObject)o).Kind));
    }

    [Fact]
    public async Task The_example_pod_shares_the_workspace_and_socket_directory_between_orchestrator_and_sidecar()
    {
        var objects = await BuildBaseAsync();

        var pod = Assert.Single(objects.OfKind<V1Pod>());
        var orchestrator = pod.Spec.Container("orchestrator");
        var sidecar = pod.Spec.Container("registry-controller");
        Assert.Equal("registry-controller:0.1.0", sidecar.Image);
        Assert.Equal(orchestrator.VolumeMounts.Select(m => (m.Name, m.MountPath)), sidecar.VolumeMounts.Where(m => m.Name != "tmp").Select(m => (m.Name, m.MountPath)));
        Assert.Contains($"--tmux-socket={orchestrator.Env("TMUX_SOCKET")}", sidecar.Args);
        Assert.Equal(orchestrator.Env("TZ"), sidecar.Env("TZ"));
        Assert.Equal((true, false), (sidecar.SecurityContext.ReadOnlyRootFilesystem, sidecar.SecurityContext.AllowPrivilegeEscalation));
        var binding = Assert.Single(objects.OfKind<V1RoleBinding>());
        Assert.Equal(pod.Spec.ServiceAccountName, binding.Subjects.Single().Name);
    }
}
