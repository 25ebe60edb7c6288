using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RegistryController.Cluster;
using RegistryController.Kubernetes;
using RegistryController.Kubernetes.Events;
using RegistryController.Kubernetes.Leadership;
using Registryctl.Configuration;

namespace Registryctl.Hosting;

/// <summary>
/// In a Pod: events on the Pod and, with <c>--leader-elect</c>, Lease leader election. Outside a
/// cluster nothing is registered and the controller keeps <see cref="NullEventSink"/> and
/// <see cref="AlwaysLeader"/> (added by <see cref="RegistryctlHost.AddRegistryController"/>).
/// Call before AddRegistryController: the host stops services in reverse order, so the events of
/// the last reconcile are flushed and the Lease released after the controller has stopped.
/// </summary>
internal static class KubernetesHosting
{
    /// <summary>Why these settings cannot run here, or null.</summary>
    public static string? Problem(ResolvedSettings settings, KubernetesEnvironment? cluster)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Lease.Enabled && cluster is null
            ? "Leader:Enabled (--leader-elect): leader election needs the Kubernetes API; run in a Pod with a service account token (KUBERNETES_SERVICE_HOST is not set or the token is not mounted)"
            : null;
    }

    public static IServiceCollection AddKubernetesIntegration(this IServiceCollection services, ResolvedSettings settings, KubernetesEnvironment? cluster, Func<IKubernetes>? client = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (cluster is null)
        {
            return services;
        }

        services.AddSingleton(cluster);
        services.AddSingleton(_ => client?.Invoke() ?? new k8s.Kubernetes(KubernetesClientConfiguration.InClusterConfig()));
        services.AddSingleton(sp => new KubernetesEventSink(
            sp.GetRequiredService<IKubernetes>(),
            cluster,
            new EventSinkOptions(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<KubernetesEventSink>>()));
        services.AddSingleton<IEventSink>(sp => sp.GetRequiredService<KubernetesEventSink>());
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesEventSink>());
        if (settings.Lease.Enabled)
        {
            services.AddSingleton(sp => new LeaseLeadership(
                sp.GetRequiredService<IKubernetes>(),
                cluster.Namespace,
                LeaseLeadership.NewIdentity(cluster.PodName),
                settings.Lease,
                sp.GetService<TimeProvider>(),
                sp.GetService<ILogger<LeaseLeadership>>()));
            services.AddSingleton<ILeadership>(sp => sp.GetRequiredService<LeaseLeadership>());
            services.AddHostedService(sp => sp.GetRequiredService<LeaseLeadership>());
        }

        return services;
    }
}
