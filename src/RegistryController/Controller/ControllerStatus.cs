using System.Collections.Concurrent;
using RegistryController.Locking;
using RegistryController.Runtime;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>What the health endpoints and the tests read about the running controller.</summary>
public sealed class ControllerStatus(TimeProvider time)
{
    private readonly ConcurrentDictionary<int, DateTimeOffset> _inFlight = new();
    private readonly ConcurrentDictionary<ReconcileOutcome, long> _outcomes = new();
    private long _reconciles;
    private long _writes;
    private long _resyncs;
    private long _lastTickTicks = time.GetUtcNow().UtcTicks;

    public bool StartupComplete { get; set; }

    public bool WatchersHealthy { get; set; }

    public bool TmuxViewHealthy { get; set; }

    public string? NotReadyReason => !StartupComplete ? "the startup reconcile is not done"
        : !WatchersHealthy ? "a file watcher is not running"
        : !TmuxViewHealthy ? "the tmux view is broken"
        : null;

    public long Reconciles => Interlocked.Read(ref _reconciles);

    public long Writes => Interlocked.Read(ref _writes);

    public long Resyncs => Interlocked.Read(ref _resyncs);

    public long Count(ReconcileOutcome outcome) => _outcomes.GetValueOrDefault(outcome);

    public DateTimeOffset LastTick => new(Interlocked.Read(ref _lastTickTicks), TimeSpan.Zero);

    /// <summary>The loop is alive: a scan or a reconcile happened recently.</summary>
    public void Tick() => Interlocked.Exchange(ref _lastTickTicks, time.GetUtcNow().UtcTicks);

    public void Started(int worker) => _inFlight[worker] = time.GetUtcNow();

    public void Finished(int worker, ReconcileResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _inFlight.TryRemove(worker, out _);
        Interlocked.Increment(ref _reconciles);
        _outcomes.AddOrUpdate(result.Outcome, 1, (_, n) => n + 1);
        if (result.Outcome == ReconcileOutcome.Repaired)
        {
            Interlocked.Increment(ref _writes);
        }

        Tick();
    }

    public void Resynced() => Interlocked.Increment(ref _resyncs);

    /// <summary>
    /// How long the loop may go without a scan or a finished reconcile before it counts as wedged: three
    /// scan intervals, or the longest a reconcile may legitimately take (a lock wait and two tmux calls),
    /// with room for a loaded machine. The liveness check and its tests use this one bound.
    /// </summary>
    public static TimeSpan WedgedBound(ControllerOptions controller, LockOptions lockOptions, TmuxOptions tmux)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(lockOptions);
        ArgumentNullException.ThrowIfNull(tmux);
        var longestReconcile = lockOptions.Timeout + tmux.Timeout + tmux.Timeout;
        return TimeSpan.FromTicks(Math.Max(controller.ScanInterval.Ticks * 3, longestReconcile.Ticks)) + TimeSpan.FromSeconds(5);
    }

    /// <summary>Why the loop counts as wedged, or null: a reconcile running past <paramref name="bound"/>, or no tick for that long.</summary>
    public string? Wedged(TimeSpan bound)
    {
        var now = time.GetUtcNow();
        foreach (var (worker, since) in _inFlight)
        {
            if (now - since > bound)
            {
                return $"worker {worker} has been reconciling for {(now - since).TotalSeconds:0} s";
            }
        }

        return now - LastTick > bound ? $"no scan or reconcile for {(now - LastTick).TotalSeconds:0} s" : null;
    }
}
