namespace RegistryController.Kubernetes.Leadership;

/// <summary>
/// Lease leader election, with client-go's defaults. A leader renews every <see cref="RetryPeriod"/>;
/// if it has not renewed for <see cref="RenewDeadline"/> it stops writing; a follower takes over a
/// lease it has not seen renewed for <see cref="LeaseDuration"/>. LeaseDuration &gt; RenewDeadline
/// leaves the old leader time to stop before anyone else starts.
/// </summary>
public sealed record LeaseOptions
{
    public const string Section = "Leader";

    /// <summary><c>run --leader-elect</c>: only the Lease holder writes. Needs the Kubernetes API.</summary>
    public bool Enabled { get; init; }

    public string LeaseName { get; init; } = "registry-controller";

    /// <summary>Null: the Pod's own namespace.</summary>
    public string? LeaseNamespace { get; init; }

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On shutdown the leader empties the holder so that a follower takes over at once.</summary>
    public bool ReleaseOnStop { get; init; } = true;
}
