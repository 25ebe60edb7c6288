namespace RegistryController.Kubernetes.Events;

/// <summary>
/// How the Kubernetes event sink batches, aggregates and limits. The defaults are client-go's event
/// recorder's: a burst of 25 events per key then one every 5 minutes, repeats aggregated into one
/// Event whose count grows.
/// </summary>
public sealed record EventSinkOptions
{
    /// <summary>The events' <c>source.component</c> and <c>reportingComponent</c>.</summary>
    public string Component { get; init; } = "registry-controller";

    /// <summary>Events waiting to be written; past this, Publish drops (and counts) instead of waiting.</summary>
    public int QueueCapacity { get; init; } = 1000;

    /// <summary>Events one key (type, reason, message) may write at once before the limit applies.</summary>
    public int Burst { get; init; } = 25;

    /// <summary>One more event per key each interval once the burst is spent.</summary>
    public TimeSpan RefillInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A repeat within this long of the previous one patches the existing Event (count + 1).</summary>
    public TimeSpan AggregationWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Keys remembered for aggregation and rate limiting (client-go keeps 4096).</summary>
    public int MaxKeys { get; init; } = 4096;

    /// <summary>One API request's bound; an unreachable API server costs the drain loop no more than this per event.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>On shutdown, how long queued events may still be written.</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longer messages are cut (the API server rejects very long ones).</summary>
    public int MaxMessageLength { get; init; } = 1024;
}
