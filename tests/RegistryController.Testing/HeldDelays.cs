using System.Threading.Channels;

namespace RegistryController.Testing;

/// <summary>
/// A clock whose delays of one given length do not run out by themselves: each one waits until the
/// test releases it. Lets a test act between two attempts of a retry pipeline (say, finish a
/// half-written file) and count the attempts, without sleeping. All other timers are real.
/// </summary>
public sealed class HeldDelays(TimeSpan held) : TimeProvider
{
    private readonly Channel<HeldTimer> _started = Channel.CreateUnbounded<HeldTimer>();
    private int _count;

    /// <summary>How many held delays have been started so far.</summary>
    public int Count => Volatile.Read(ref _count);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != held)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        Interlocked.Increment(ref _count);
        var timer = new HeldTimer(callback, state);
        _started.Writer.TryWrite(timer);
        return timer;
    }

    /// <summary>The next held delay, or null when <paramref name="work"/> finished without starting one.</summary>
    public async Task<HeldTimer?> NextAsync(Task work)
    {
        var next = _started.Reader.ReadAsync().AsTask();
        var first = await Task.WhenAny(next, work).WaitAsync(TimeSpan.FromSeconds(30));
        return first == next ? await next : null;
    }

    public sealed class HeldTimer(TimerCallback callback, object? state) : ITimer
    {
        private int _done;

        /// <summary>Lets the delay run out now.</summary>
        public void Release()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                callback(state);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => Volatile.Read(ref _done) == 0;

        public void Dispose() => Interlocked.Exchange(ref _done, 1);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
