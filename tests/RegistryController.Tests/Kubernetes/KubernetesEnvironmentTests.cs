using RegistryController.Kubernetes;

namespace RegistryController.Tests.Kubernetes;

public class KubernetesEnvironmentTests
{
    private static Func<string, string?> Variables(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    private static string ServiceAccount(TempDirectory temp, bool token = true, string? namespaceFile = null)
    {
        var directory = temp.Combine("serviceaccount");
        Directory.CreateDirectory(directory);
        if (token)
        {
            File.WriteAllText(Path.Combine(directory, "token"), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
        }

        if (namespaceFile is not null)
        {
            File.WriteAllText(Path.Combine(directory, "namespace"), namespaceFile);
        }

        return directory;
    }

    [Fact]
    public void Outside_a_cluster_there_is_no_pod()
    {
        using var temp = new TempDirectory();

        var detected = KubernetesEnvironment.Detect(Variables(("POD_NAME", "p"), ("POD_NAMESPACE", "agents")), ServiceAccount(temp));

        Assert.Null(detected);
    }

    [Fact]
    public void Without_a_service_account_token_there_is_no_pod()
    {
        using var temp = new TempDirectory();

        var detected = KubernetesEnvironment.Detect(Variables(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("POD_NAME", "p"), ("POD_NAMESPACE", "agents")), ServiceAccount(temp, token: false));

        Assert.Null(detected);
    }

    [Fact]
    public void In_a_cluster_the_pod_comes_from_the_downward_api_variables()
    {
        using var temp = new TempDirectory();

        var detected = KubernetesEnvironment.Detect(
            Variables(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("POD_NAME", "orchestrator-0"), ("POD_NAMESPACE", "agents"), ("POD_UID", "0b6c4a52"), ("NODE_NAME", "node-a"), ("HOSTNAME", "other")),
            ServiceAccount(temp, namespaceFile: "default"));

        Assert.Equal(new KubernetesEnvironment("orchestrator-0", "agents", "0b6c4a52", "node-a"), detected);
    }

    [Fact]
    public void Without_the_downward_api_the_pod_is_the_hostname_in_the_service_accounts_namespace()
    {
        using var temp = new TempDirectory();

        var detected = KubernetesEnvironment.Detect(Variables(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("HOSTNAME", "orchestrator-0")), ServiceAccount(temp, namespaceFile: "agents\n"));

        Assert.Equal(new KubernetesEnvironment("orchestrator-0", "agents", null, null), detected);
    }
}
