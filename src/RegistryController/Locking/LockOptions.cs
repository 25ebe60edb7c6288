namespace RegistryController.Locking;

/// <summary>How long and how politely to wait for a registry's lock.</summary>
public sealed record LockOptions
{
    public const string Section = "Lock";

    /// <summary>Total bound on waiting for one file's lock; then that file fails and the others go on.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First back-off; it doubles (with jitter) up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a file that does not parse is re-read before it counts as broken (a careless writer may be mid-write).</summary>
    public int UnparsableRetries { get; init; } = 2;

    public TimeSpan UnparsableDelay { get; init; } = TimeSpan.FromMilliseconds(50);
}
