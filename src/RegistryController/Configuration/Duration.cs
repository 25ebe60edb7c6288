using System.Globalization;
using System.Text.RegularExpressions;

namespace RegistryController.Configuration;

/// <summary>
/// Durations the way controller flags spell them (<c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, or plain
/// seconds), plus .NET's <c>hh:mm:ss</c> for configuration files written by hand.
/// </summary>
public static partial class Duration
{
    public const string Examples = "250ms, 30s, 5m";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = DurationPattern().Match(text.Trim());
        if (match.Success)
        {
            var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            value = match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "m" => TimeSpan.FromMinutes(number),
                "h" => TimeSpan.FromHours(number),
                _ => TimeSpan.FromSeconds(number),
            };
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    /// <summary>The shortest spelling <see cref="TryParse"/> reads back: <c>50ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>.</summary>
    public static string Format(TimeSpan value) => value switch
    {
        _ when value.TotalMilliseconds < 1000 => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.#}ms"),
        _ when value.Ticks % TimeSpan.TicksPerHour == 0 => string.Create(CultureInfo.InvariantCulture, $"{value.TotalHours:0}h"),
        _ when value.Ticks % TimeSpan.TicksPerMinute == 0 => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMinutes:0}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###}s"),
    };

    /// <summary>A duration that may be switched off, with the word that switches it off (<c>never</c>, <c>off</c>).</summary>
    public static string Format(TimeSpan? value, string offWord) => value is { } v ? Format(v) : offWord;

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>ms|s|m|h)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
