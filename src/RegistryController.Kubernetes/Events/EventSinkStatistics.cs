namespace RegistryController.Kubernetes.Events;

/// <summary>What happened to the events handed to the sink (for logs, metrics and tests).</summary>
/// <param name="Published">Handed to Publish.</param>
/// <param name="Dropped">Refused by Publish because the queue was full.</param>
/// <param name="Created">Written as a new Event.</param>
/// <param name="Patched">Aggregated into an existing Event (count + 1).</param>
/// <param name="RateLimited">Dropped by the per-key token bucket.</param>
/// <param name="Failed">The API server refused or did not answer.</param>
public sealed record EventSinkStatistics(long Published, long Dropped, long Created, long Patched, long RateLimited, long Failed)
{
    /// <summary>Every published event has been dealt with one way or another.</summary>
    public long Settled => Dropped + Created + Patched + RateLimited + Failed;
}
