using System.Globalization;

namespace RegistryController.Judgement;

/// <summary>
/// "Now", and the time zone in which the orchestrator wrote its naive timestamps
/// (<c>datetime.now().isoformat()</c> carries no offset).
/// </summary>
public sealed record ClockReading(DateTimeOffset Now, TimeZoneInfo Zone)
{
    public static ClockReading From(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new ClockReading(time.GetUtcNow(), time.LocalTimeZone);
    }

    /// <summary>Now as Python's <c>datetime.now().isoformat()</c> prints it.</summary>
    public string NowAsPythonIsoformat()
    {
        var local = TimeZoneInfo.ConvertTime(Now, Zone).DateTime;
        var micros = (local.Ticks % TimeSpan.TicksPerSecond) / 10;
        var seconds = local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        // Python drops the fraction entirely when microsecond == 0.
        return micros == 0 ? seconds : seconds + "." + micros.ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>Reads an orchestrator timestamp; naive ones are taken in <see cref="Zone"/>.</summary>
    public DateTimeOffset? Parse(string? timestamp)
    {
        if (string.IsNullOrWhiteSpace(timestamp))
        {
            return null;
        }

        if (!DateTime.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            return null;
        }

        return parsed.Kind switch
        {
            DateTimeKind.Utc => new DateTimeOffset(parsed, TimeSpan.Zero),
            DateTimeKind.Local => DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture),
            _ => new DateTimeOffset(parsed, Zone.GetUtcOffset(parsed)),
        };
    }
}
