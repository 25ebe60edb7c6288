namespace RegistryController.Tmux;

/// <summary>
/// The latest tmux view, shared by every reconcile. Refreshes are single-flight: callers that ask
/// while one is running share its result, so a burst of notifications costs one tmux call.
/// </summary>
public sealed class TmuxViewCache(ITmuxViewSource source, TimeProvider time)
{
    private readonly ITmuxViewSource _source = source ?? throw new ArgumentNullException(nameof(source));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly Lock _gate = new();
    private Task<TimedView>? _inFlight;
    private TimedView? _latest;

    /// <summary>Raised after each refresh with (previous, current).</summary>
    public event Action<TmuxView?, TmuxView>? Refreshed;

    public TimedView? Latest => Volatile.Read(ref _latest);

    /// <summary>The latest view if it is at most <paramref name="maxAge"/> old, else a fresh one.</summary>
    public async Task<TimedView> GetAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var latest = Latest;
        return latest is not null && _time.GetUtcNow() - latest.TakenAt <= maxAge
            ? latest
            : await RefreshAsync(cancellationToken);
    }

    public Task<TimedView> RefreshAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Join a refresh that is still running; never reuse one that has finished, whatever
            // order its completion and this assignment happened in.
            if (_inFlight is { IsCompleted: false } running)
            {
                return running;
            }

            return _inFlight = RunAsync(cancellationToken);
        }
    }

    private async Task<TimedView> RunAsync(CancellationToken cancellationToken)
    {
        var takenAt = _time.GetUtcNow();
        var view = await _source.GetViewAsync(cancellationToken);
        var timed = new TimedView(view, takenAt);
        var previous = Interlocked.Exchange(ref _latest, timed);
        Refreshed?.Invoke(previous?.View, view);
        return timed;
    }
}

/// <summary>A view and when it was taken (the start of the tmux call).</summary>
public sealed record TimedView(TmuxView View, DateTimeOffset TakenAt);
