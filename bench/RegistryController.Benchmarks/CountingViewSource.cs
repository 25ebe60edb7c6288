using RegistryController.Tmux;

namespace RegistryController.Benchmarks;

/// <summary>
/// Passes every look at tmux through to the real source and counts it, so a run can show how many
/// tmux calls one pass really made. An <see cref="Interlocked"/> increment costs nothing beside a process spawn.
/// </summary>
public sealed class CountingViewSource(ITmuxViewSource inner) : ITmuxViewSource
{
    private readonly ITmuxViewSource _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private long _calls;

    public long Calls => Interlocked.Read(ref _calls);

    public Task<TmuxView> GetViewAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return _inner.GetViewAsync(cancellationToken);
    }
}
