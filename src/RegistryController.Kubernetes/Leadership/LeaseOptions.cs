namespace RegistryController.Kubernetes.Leadership;

/// <summary>
/// Lease leader election, with client-go's defaults. A leader renews every <see cref="RetryPeriod"/>;
/// if it has not renewed for <see cref="RenewDeadline"/> it stops writing; a follower takes over a
/// lease it has not seen renewed for <see cref="LeaseDuration"/>. LeaseDuration &gt; RenewDeadline
/// leaves the old leader time to stop before anyone else starts.
/// </summary>
public sealed record LeaseOptions
{
    public string LeaseName { get; init; } = "registry-controller";

    /// <summary>Null: the Pod's own namespace.</summary>
    public string? LeaseNamespace { get; init; }

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On shutdown the leader empties the holder so that a follower takes over at once.</summary>
    public bool ReleaseOnStop { get; init; } = true;

    /// <summary>The rules client-go enforces, as messages naming the setting.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(LeaseName))
        {
            problems.Add("Leader:LeaseName: the name is empty");
        }

        if (RetryPeriod <= TimeSpan.Zero)
        {
            problems.Add("Leader:RetryPeriod: must be above zero");
        }

        if (RenewDeadline <= RetryPeriod * 1.2)
        {
            problems.Add($"Leader:RenewDeadline: {RenewDeadline.TotalSeconds:0.###}s must be more than 1.2 × Leader:RetryPeriod ({RetryPeriod.TotalSeconds:0.###}s)");
        }

        if (LeaseDuration <= RenewDeadline)
        {
            problems.Add($"Leader:LeaseDuration: {LeaseDuration.TotalSeconds:0.###}s must be more than Leader:RenewDeadline ({RenewDeadline.TotalSeconds:0.###}s)");
        }

        if (LeaseDuration.TotalSeconds < 1)
        {
            problems.Add("Leader:LeaseDuration: the Lease counts whole seconds; at least 1s");
        }

        return problems;
    }
}
