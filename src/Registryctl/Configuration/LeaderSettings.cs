using RegistryController.Kubernetes.Leadership;

namespace Registryctl.Configuration;

/// <summary>
/// <c>Leader:*</c>: Lease leader election for several controllers sharing one workspace and tmux
/// server (<c>run --leader-elect</c>). Needs the Kubernetes API (in a Pod with a service account).
/// </summary>
public sealed class LeaderSettings
{
    public bool Enabled { get; set; }

    public string LeaseName { get; set; } = "registry-controller";

    /// <summary>Default: the Pod's namespace.</summary>
    public string? LeaseNamespace { get; set; }

    public string LeaseDuration { get; set; } = "15s";

    public string RenewDeadline { get; set; } = "10s";

    public string RetryPeriod { get; set; } = "2s";

    /// <summary>The Lease options, or messages naming each bad setting.</summary>
    internal LeaseOptions Resolve(Func<string, string?, TimeSpan, TimeSpan> durationOf, List<string> errors)
    {
        var options = new LeaseOptions
        {
            LeaseName = LeaseName,
            LeaseNamespace = string.IsNullOrWhiteSpace(LeaseNamespace) ? null : LeaseNamespace.Trim(),
            LeaseDuration = durationOf("Leader:LeaseDuration", LeaseDuration, TimeSpan.FromSeconds(1)),
            RenewDeadline = durationOf("Leader:RenewDeadline", RenewDeadline, TimeSpan.FromMilliseconds(100)),
            RetryPeriod = durationOf("Leader:RetryPeriod", RetryPeriod, TimeSpan.FromMilliseconds(10)),
        };
        if (Enabled && errors.Count == 0)
        {
            errors.AddRange(options.Problems());
        }

        return options;
    }
}
