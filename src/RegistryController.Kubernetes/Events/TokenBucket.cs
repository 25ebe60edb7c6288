namespace RegistryController.Kubernetes.Events;

/// <summary>
/// client-go's spam filter for one key: <see cref="Burst"/> tokens, refilled at one per
/// <see cref="RefillInterval"/>; an event spends a token or is dropped.
/// </summary>
internal sealed class TokenBucket(int burst, TimeSpan refillInterval, long startTimestamp)
{
    private double _tokens = burst;
    private long _last = startTimestamp;

    public int Burst { get; } = burst;

    public TimeSpan RefillInterval { get; } = refillInterval;

    public bool TryTake(TimeProvider time)
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(_last, now);
        _last = now;
        if (RefillInterval > TimeSpan.Zero)
        {
            _tokens = Math.Min(Burst, _tokens + (elapsed / RefillInterval));
        }

        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
