namespace RegistryController.Runtime;

/// <summary>The queue's timing. Configured under <c>Controller:</c>, beside the loop it paces.</summary>
public sealed record WorkQueueOptions
{
    public const string Section = "Controller";

    /// <summary>A key becomes ready this long after its last add: a burst of writes is one reconcile.</summary>
    public TimeSpan QuietWindow { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>... but never later than this after its first add, however long the burst lasts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Per-key back-off after a failure: base × 2^(failures-1), with jitter, capped.</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(30);
}
