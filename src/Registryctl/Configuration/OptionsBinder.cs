using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using RegistryController.Configuration;

namespace Registryctl.Configuration;

/// <summary>
/// Fills an options record's properties from its configuration section, for the value types the records use.
/// Not the configuration binder: its reflection form is not trim-safe, and its source generator skips
/// <c>init</c> properties without a word (dotnet/runtime#107856), which every options record has. The
/// <see cref="DynamicallyAccessedMembersAttribute"/> on the record type keeps the properties a
/// native AOT build reads here. Errors name the key, as every settings message does.
/// </summary>
internal static class OptionsBinder
{
    internal const DynamicallyAccessedMemberTypes Members = DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties;

    /// <summary>The record with each configured property set; null when a value is unreadable (each one is in <paramref name="errors"/>).</summary>
    /// <param name="offWords">A nullable duration's word for "none" (<c>never</c>, <c>off</c>), by property name: only that property accepts it.</param>
    public static T? Bind<[DynamicallyAccessedMembers(Members)] T>(IConfiguration section, string? path, List<string> errors, IReadOnlyDictionary<string, string>? offWords = null)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        var options = new T();
        var readable = true;
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || !Reads(property.PropertyType))
            {
                continue;
            }

            var name = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            var key = path is null ? name : OptionsRules.Key(path, name);
            if (property.PropertyType == typeof(string[]))
            {
                if (section.GetSection(name).GetChildren().Select(c => c.Value).OfType<string>().ToArray() is { Length: > 0 } items)
                {
                    property.SetValue(options, items);
                }

                continue;
            }

            if (section[name] is not { } text)
            {
                continue;
            }

            var off = offWords?.GetValueOrDefault(property.Name);
            if (Read(property.PropertyType, text, off, out var value) is { } problem)
            {
                errors.Add($"{key}: {problem}");
                readable = false;
                continue;
            }

            property.SetValue(options, value);
        }

        return readable ? options : null;
    }

    /// <summary>Whether <see cref="Bind"/> fills a property of this type; any other is left to the caller.</summary>
    public static bool Reads(Type type) =>
        type == typeof(string) || type == typeof(string[]) || type == typeof(bool) || type == typeof(int) || type == typeof(long)
        || type == typeof(double) || type == typeof(TimeSpan) || type == typeof(TimeSpan?) || type.IsEnum;

    /// <returns>Null when read, else what was wrong with the text.</returns>
    private static string? Read(Type type, string text, string? offWord, out object? value)
    {
        value = null;
        var trimmed = text.Trim();
        if (type == typeof(string))
        {
            value = text;
            return null;
        }

        if (type == typeof(TimeSpan) || type == typeof(TimeSpan?))
        {
            if (Duration.TryParse(trimmed, out var duration))
            {
                value = duration;
                return null;
            }

            // A nullable duration reads nothing (the binder's way) or its own off word as none.
            return type == typeof(TimeSpan?) && (trimmed.Length == 0 || string.Equals(trimmed, offWord, StringComparison.OrdinalIgnoreCase))
                ? null
                : $"'{text}' is not a duration (examples: {Duration.Examples})";
        }

        if (type == typeof(bool))
        {
            value = bool.TryParse(trimmed, out var flag) ? flag : null;
            return value is null ? $"'{text}' is not true or false" : null;
        }

        if (type == typeof(int))
        {
            value = int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;
            return value is null ? $"'{text}' is not a whole number" : null;
        }

        if (type == typeof(long))
        {
            value = long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;
            return value is null ? $"'{text}' is not a whole number" : null;
        }

        if (type == typeof(double))
        {
            value = double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;
            return value is null ? $"'{text}' is not a number" : null;
        }

        // An enum: a name in any case, or a number (the record's validator then says which are allowed).
        value = Enum.TryParse(type, trimmed, ignoreCase: true, out var member) ? member : null;
        return value is null ? $"'{text}' is not one of {string.Join(", ", Enum.GetNames(type))}" : null;
    }
}
