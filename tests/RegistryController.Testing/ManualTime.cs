namespace RegistryController.Testing;

/// <summary>A clock the test moves by hand (timers still run on real time), local to <paramref name="zone"/> (default: the system's).</summary>
public sealed class ManualTime(DateTimeOffset start, TimeZoneInfo? zone = null) : TimeProvider
{
    public override TimeZoneInfo LocalTimeZone => zone ?? base.LocalTimeZone;

    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
