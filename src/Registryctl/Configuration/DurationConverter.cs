using System.ComponentModel;
using System.Globalization;
using RegistryController.Configuration;

namespace Registryctl.Configuration;

/// <summary>
/// Teaches the configuration binder the controller's duration spelling (<c>250ms</c>, <c>30s</c>, <c>5m</c>)
/// besides <c>hh:mm:ss</c>. The binder asks TypeDescriptor for a TimeSpan's converter, so registering this
/// one is how every TimeSpan of every options record reads the same syntax, without a string copy of each.
/// </summary>
internal sealed class DurationConverter : TypeConverter
{
    private static readonly Lazy<bool> Registration = new(() =>
    {
        TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        return true;
    });

    public static void Register() => _ = Registration.Value;

    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string);

    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) => destinationType == typeof(string);

    public override object ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text && Duration.TryParse(text, out var duration)
            ? duration
            : throw new FormatException($"'{value}' is not a duration (examples: {Duration.Examples})");

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        value is TimeSpan duration && destinationType == typeof(string) ? Duration.Format(duration) : base.ConvertTo(context, culture, value, destinationType);
}
