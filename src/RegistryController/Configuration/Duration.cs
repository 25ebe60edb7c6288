using System.Globalization;
using System.Text.RegularExpressions;

namespace Registryctl.Configuration;

/// <summary>
/// Durations the way controller flags spell them (<c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, or plain
/// seconds), plus .NET's <c>hh:mm:ss</c> for configuration files written by hand.
/// </summary>
public static partial class Duration
{
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

    public static string Format(TimeSpan value) => value.TotalMilliseconds < 1000
        ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.#}ms")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###}s");

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>ms|s|m|h)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
