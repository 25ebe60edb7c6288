using System.Collections.Immutable;

namespace RegistryController.Runtime;

/// <summary>
/// A work queue in the manner of controller-runtime's: keyed; a pending key is queued once; a key
/// being processed is never handed to a second worker (an add while it runs marks it dirty and it
/// is requeued when the first worker is done); adds within a quiet window coalesce, bounded by a
/// maximum delay; failures back off per key, exponentially with jitter.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The controller-runtime concept this implements is called a work queue.")]
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly WorkQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, Pending> _pending = [];
    private readonly Dictionary<TKey, Pending?> _processing = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly PriorityQueue<TKey, long> _ready = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly ITimer _timer;
    private bool _shutDown;

    public WorkQueue(WorkQueueOptions options, TimeProvider? time = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? TimeProvider.System;
        _timer = _time.CreateTimer(_ => Release(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Keys waiting (not counting those being processed).</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _processing.Count;
            }
        }
    }

    /// <summary>Queues a key after the quiet window; <paramref name="cause"/> travels with it (a span context, an event).</summary>
    public void Add(TKey key, Trigger trigger, object? cause = null) => Enqueue(key, trigger, cause, _options.QuietWindow, coalesce: true);

    /// <summary>Queues a key after an explicit delay (a guard hold, a retry).</summary>
    public void AddAfter(TKey key, TimeSpan delay, Trigger trigger) => Enqueue(key, trigger, null, delay, coalesce: false);

    /// <summary>Records a failure and queues the key after its back-off.</summary>
    public TimeSpan AddRateLimited(TKey key)
    {
        int failures;
        lock (_gate)
        {
            failures = _failures[key] = _failures.GetValueOrDefault(key) + 1;
        }

        var exponential = _options.BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, _options.BackoffMax.TotalMilliseconds);
        // Full jitter on the upper half keeps keys that failed together from retrying together.
        var delay = TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
        Enqueue(key, Trigger.Retry, null, delay, coalesce: false);
        return delay;
    }

    /// <summary>Clears a key's failure count after a success.</summary>
    public void Forget(TKey key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>Waits for the next ready key that no worker holds, and marks it held.</summary>
    public async Task<WorkItem<TKey>?> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_shutDown)
                {
                    return null;
                }

                var now = _time.GetTimestamp();
                while (_ready.TryPeek(out var key, out var readyAt))
                {
                    if (!_pending.TryGetValue(key, out var pending) || pending.ReadyAt != readyAt)
                    {
                        _ready.Dequeue(); // superseded entry
                        continue;
                    }

                    if (readyAt > now)
                    {
                        ArmTimer(readyAt - now);
                        break;
                    }

                    _ready.Dequeue();
                    _pending.Remove(key);
                    _processing[key] = null;
                    // Another waiting worker may find the next key ready (or arm the timer for it).
                    Release();
                    return new WorkItem<TKey>(key, [.. pending.Triggers], _failures.GetValueOrDefault(key), [.. pending.Causes]);
                }
            }

            await _signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>A worker is done with a key; if it was added meanwhile it becomes pending again.</summary>
    public void Done(TKey key)
    {
        lock (_gate)
        {
            if (_processing.Remove(key, out var dirty) && dirty is not null)
            {
                _pending[key] = dirty;
                _ready.Enqueue(key, dirty.ReadyAt);
            }
        }

        Release();
    }

    /// <summary>Stops handing out work; waiting takers get null.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            _shutDown = true;
        }

        _signal.Release(int.MaxValue / 2);
    }

    public void Dispose()
    {
        _timer.Dispose();
        _signal.Dispose();
    }

    private void Enqueue(TKey key, Trigger trigger, object? cause, TimeSpan delay, bool coalesce)
    {
        lock (_gate)
        {
            if (_shutDown)
            {
                return;
            }

            var now = _time.GetTimestamp();
            var delayTicks = ToTimestamp(delay);
            if (_processing.TryGetValue(key, out var dirty))
            {
                // Never two workers on one key: remember the add and requeue it on Done.
                _processing[key] = Merge(dirty, now, delayTicks, trigger, cause, coalesce);
                return;
            }

            _pending.TryGetValue(key, out var existing);
            var merged = Merge(existing, now, delayTicks, trigger, cause, coalesce);
            _pending[key] = merged;
            if (existing is null || existing.ReadyAt != merged.ReadyAt)
            {
                _ready.Enqueue(key, merged.ReadyAt);
            }
        }

        Release();
    }

    private Pending Merge(Pending? existing, long now, long delayTicks, Trigger trigger, object? cause, bool coalesce)
    {
        if (existing is null)
        {
            return new Pending(now, now + delayTicks, ImmutableHashSet.Create(trigger), cause is null ? [] : [cause]);
        }

        var causes = cause is null ? existing.Causes : existing.Causes.Add(cause);
        var triggers = existing.Triggers.Add(trigger);
        var readyAt = coalesce
            // Slide the quiet window, but never past first-add + MaxDelay.
            ? Math.Min(Math.Max(existing.ReadyAt, now + delayTicks), existing.FirstAdd + ToTimestamp(_options.MaxDelay))
            // An explicit delay never postpones work that is already due sooner.
            : Math.Min(existing.ReadyAt, now + delayTicks);
        return existing with { ReadyAt = readyAt, Triggers = triggers, Causes = causes };
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private void ArmTimer(long ticks) =>
        _timer.Change(TimeSpan.FromSeconds((double)ticks / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);

    private void Release()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    private sealed record Pending(long FirstAdd, long ReadyAt, ImmutableHashSet<Trigger> Triggers, ImmutableList<object> Causes);
}
