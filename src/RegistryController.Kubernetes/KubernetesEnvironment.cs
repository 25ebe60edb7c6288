namespace RegistryController.Kubernetes;

/// <summary>
/// Where the controller runs when it runs in a Pod: its own Pod (the object its events are about)
/// and its node, from the downward API environment variables the chart and the kustomize base set.
/// </summary>
/// <param name="PodName"><c>POD_NAME</c> (fieldRef metadata.name), else <c>HOSTNAME</c>, which Kubernetes sets to the Pod's name.</param>
/// <param name="Namespace"><c>POD_NAMESPACE</c> (fieldRef metadata.namespace), else the service account's namespace file.</param>
/// <param name="PodUid"><c>POD_UID</c> (fieldRef metadata.uid): <c>kubectl describe pod</c> shows only events whose involvedObject carries the Pod's uid.</param>
/// <param name="NodeName"><c>NODE_NAME</c> (fieldRef spec.nodeName): the events' source host.</param>
public sealed record KubernetesEnvironment(string PodName, string Namespace, string? PodUid, string? NodeName)
{
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";
    public const string PodNameVariable = "POD_NAME";
    public const string PodNamespaceVariable = "POD_NAMESPACE";
    public const string PodUidVariable = "POD_UID";
    public const string NodeNameVariable = "NODE_NAME";
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>
    /// In a cluster (the API server's service variable and a mounted service account token) → the
    /// Pod; anywhere else → null, and the controller runs without events or leader election.
    /// </summary>
    public static KubernetesEnvironment? Detect(Func<string, string?>? environment = null, string serviceAccountDirectory = ServiceAccountDirectory)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Variable(string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

        if (Variable(ServiceHostVariable) is null || !File.Exists(Path.Combine(serviceAccountDirectory, "token")))
        {
            return null;
        }

        var namespaceFile = Path.Combine(serviceAccountDirectory, "namespace");
        var podNamespace = Variable(PodNamespaceVariable)
            ?? (File.Exists(namespaceFile) ? File.ReadAllText(namespaceFile).Trim() : null);
        var podName = Variable(PodNameVariable) ?? Variable("HOSTNAME");
        if (podNamespace is not { Length: > 0 } || podName is null)
        {
            return null;
        }

        return new KubernetesEnvironment(podName, podNamespace, Variable(PodUidVariable), Variable(NodeNameVariable));
    }
}
