using System.Globalization;
using RegistryController.Judgement;

namespace RegistryController.Tests.Judgement;

public class ClockReadingTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    /// <summary>What Python's <c>datetime.isoformat()</c> prints for this instant seen as naive local time in <paramref name="zone"/>.</summary>
    private static async Task<string> PythonIsoformatAsync(DateTimeOffset instant, string zone)
    {
        var micros = (instant - DateTimeOffset.UnixEpoch).Ticks / 10;
        var output = await Python.RunAsync(
            """
            import sys
            from datetime import datetime, timedelta, timezone
            from zoneinfo import ZoneInfo
            utc = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(sys.argv[1]))
            print(utc.astimezone(ZoneInfo(sys.argv[2])).replace(tzinfo=None).isoformat())
            """,
            micros.ToString(CultureInfo.InvariantCulture),
            zone);
        return output.TrimEnd('\n');
    }

    [Theory]
    [InlineData("2025-10-17T21:57:50.2527410+00:00", "UTC")]
    [InlineData("2025-10-17T21:57:50.0000000+00:00", "UTC")]
    [InlineData("2025-10-17T21:57:50.5000000+00:00", "UTC")]
    [InlineData("2025-10-17T21:57:50.0000010+00:00", "UTC")]
    [InlineData("2025-10-17T21:57:50.2527410+00:00", "Europe/Berlin")]
    [InlineData("2025-01-05T23:30:00.0000000+00:00", "Europe/Berlin")]
    public async Task Now_is_printed_exactly_as_pythons_isoformat_prints_it(string instant, string zone)
    {
        var now = DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);
        var clock = new ClockReading(now, TimeZoneInfo.FindSystemTimeZoneById(zone));

        Assert.Equal(await PythonIsoformatAsync(now, zone), clock.NowAsPythonIsoformat());
    }

    [Fact]
    public void Now_with_no_microseconds_has_no_fraction_as_in_python()
    {
        var clock = new ClockReading(new DateTimeOffset(2025, 10, 17, 22, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc);

        Assert.Equal("2025-10-17T22:00:00", clock.NowAsPythonIsoformat());
    }

    [Fact]
    public void A_naive_timestamp_is_read_in_the_clocks_zone()
    {
        var clock = new ClockReading(DateTimeOffset.UnixEpoch, Berlin);

        var parsed = clock.Parse("2025-10-17T21:57:50.252741");

        var expected = new DateTimeOffset(2025, 10, 17, 21, 57, 50, TimeSpan.FromHours(2)).AddTicks(2_527_410);
        Assert.Equal(expected, parsed);
        Assert.Equal(TimeSpan.FromHours(2), parsed!.Value.Offset);
    }

    [Fact]
    public void A_naive_timestamp_in_winter_takes_the_zones_winter_offset()
    {
        var clock = new ClockReading(DateTimeOffset.UnixEpoch, Berlin);

        var parsed = clock.Parse("2025-01-05T12:00:00");

        Assert.Equal(new DateTimeOffset(2025, 1, 5, 12, 0, 0, TimeSpan.FromHours(1)), parsed);
    }

    [Fact]
    public void A_timestamp_ending_in_z_is_utc_whatever_the_clocks_zone()
    {
        var clock = new ClockReading(DateTimeOffset.UnixEpoch, Berlin);

        var parsed = clock.Parse("2025-10-17T21:57:50.252741Z");

        Assert.Equal(new DateTimeOffset(2025, 10, 17, 21, 57, 50, TimeSpan.Zero).AddTicks(2_527_410), parsed);
    }

    [Theory]
    [InlineData("2025-10-17T21:57:50.252741+05:30", 5.5)]
    [InlineData("2025-10-17T21:57:50.252741-07:00", -7)]
    [InlineData("2025-10-17T21:57:50.252741+00:00", 0)]
    public void A_timestamp_with_an_offset_keeps_that_offset(string timestamp, double offsetHours)
    {
        var clock = new ClockReading(DateTimeOffset.UnixEpoch, Berlin);

        var parsed = clock.Parse(timestamp);

        var offset = TimeSpan.FromHours(offsetHours);
        Assert.Equal(new DateTimeOffset(2025, 10, 17, 21, 57, 50, offset).AddTicks(2_527_410), parsed);
        Assert.Equal(offset, parsed!.Value.Offset);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("yesterday")]
    public void A_missing_or_unreadable_timestamp_parses_to_null(string? timestamp)
    {
        var clock = new ClockReading(DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc);

        Assert.Null(clock.Parse(timestamp));
    }

    [Fact]
    public void What_now_prints_parses_back_to_now_to_the_microsecond()
    {
        var now = new DateTimeOffset(2025, 10, 17, 22, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);
        var clock = new ClockReading(now, Berlin);

        Assert.Equal(now, clock.Parse(clock.NowAsPythonIsoformat()));
    }
}
