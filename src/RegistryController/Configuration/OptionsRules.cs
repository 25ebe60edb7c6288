using System.Globalization;
using Microsoft.Extensions.Options;

namespace RegistryController.Configuration;

/// <summary>
/// The checks the options validators share. Every message starts with the setting's configuration
/// key (<c>Section:Property</c>), which is what a person types in <c>--set</c> or a JSON file.
/// </summary>
public static class OptionsRules
{
    public static string Key(string section, string property) => $"{section}:{property}";

    public static void AtLeast(this ValidateOptionsResultBuilder problems, string key, TimeSpan value, TimeSpan minimum)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (value < minimum)
        {
            problems.AddError($"{key}: {Duration.Format(value)} is below the minimum of {Duration.Format(minimum)}");
        }
    }

    public static void AtMost(this ValidateOptionsResultBuilder problems, string key, TimeSpan value, TimeSpan maximum)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (value > maximum)
        {
            problems.AddError($"{key}: {Duration.Format(value)} is above the maximum of {Duration.Format(maximum)}");
        }
    }

    public static void Between(this ValidateOptionsResultBuilder problems, string key, int value, int minimum, int maximum)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (value < minimum || value > maximum)
        {
            problems.AddError(string.Create(CultureInfo.InvariantCulture, $"{key}: {value} must be between {minimum} and {maximum}"));
        }
    }

    public static void Require(this ValidateOptionsResultBuilder problems, bool holds, string message)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (!holds)
        {
            problems.AddError(message);
        }
    }
}
