namespace RegistryController.Tmux;

/// <summary>
/// The latest tmux view, shared by every reconcile. Refreshes coalesce: callers that ask while one
/// is running share a single follow-up look, taken after it, so a burst of notifications costs at
/// most two tmux calls and no caller is handed a look that began before it asked.
/// </summary>
public sealed class TmuxViewCache(ITmuxViewSource source, TimeProvider time)
{
    private readonly ITmuxViewSource _source = source ?? throw new ArgumentNullException(nameof(source));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly Lock _gate = new();
    private Task<TimedView>? _inFlight;
    private Task<TimedView>? _followUp;
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
            if (_inFlight is { IsCompleted: false } running)
            {
                // That look began before this caller asked and may miss what prompted it.
                return _followUp ??= FollowUpAsync(running);
            }

            return _inFlight = RunAsync(cancellationToken);
        }
    }

    private async Task<TimedView> FollowUpAsync(Task<TimedView> previous)
    {
        // Yield first so that this never runs inside the caller's lock.
        await ((Task)previous).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        Task<TimedView> run;
        lock (_gate)
        {
            _followUp = null;
            // The source bounds its own duration; the callers who joined have their own tokens to stop waiting.
            run = _inFlight = RunAsync(CancellationToken.None);
        }

        return await run;
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
