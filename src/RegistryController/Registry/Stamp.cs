using System.Numerics;

namespace RegistryController.Registry;

/// <summary>
/// A time field of an agent entry (<c>completed_at</c>, <c>last_update</c>, <c>terminated_at</c>) as it is kept: as a
/// number when its text is exactly what Python's <c>isoformat()</c> writes (<c>2025-10-17T21:40:34.547608</c>, or
/// without the fraction when it is zero), so that <see cref="Text"/> gives back the very same characters; any other
/// text as itself. A workspace holds two such times for every finished agent: 150 bytes of strings each, 16 as numbers.
/// </summary>
/// <remarks>One text has one form (<see cref="Of(string?)"/> packs whatever can be), so two stamps are equal exactly when their texts are.</remarks>
internal readonly struct Stamp : IEquatable<Stamp>
{
    // Bit 62 marks a packed time (so that none packs to 0, the empty stamp); below it, from the top: the year (14 bits),
    // month (4), day (5), hour (5), minute (6), second (6), microsecond (20), and whether the text had a fraction (1).
    private const long Packed = 1L << 62;

    private readonly string? _text;
    private readonly long _packed;

    private Stamp(string? text, long packed) => (_text, _packed) = (text, packed);

    /// <summary>No text at all (the field is absent or null).</summary>
    public bool IsEmpty => _packed == 0 && _text is null;

    /// <summary>The field's text, made anew each time for a packed time (asked only when a field is copied or shown).</summary>
    public string? Text => _packed != 0 ? Unpack(_packed) : _text;

    public static Stamp Of(string? text) => text is not null && TryPack(text.AsSpan(), out var packed) ? new(null, packed) : new(text, 0);

    /// <summary>The stamp of UTF-8 bytes, when they are a time of the isoformat's form; the caller keeps any other text as a string.</summary>
    public static bool TryOf(ReadOnlySpan<byte> utf8, out Stamp stamp)
    {
        stamp = TryPack(utf8, out var packed) ? new(null, packed) : default;
        return packed != 0;
    }

    private static bool TryPack<T>(ReadOnlySpan<T> s, out long packed)
        where T : unmanaged, IBinaryInteger<T>
    {
        packed = 0;
        if (s.Length is not (19 or 26) || !At(s, 4, '-') || !At(s, 7, '-') || !At(s, 10, 'T') || !At(s, 13, ':') || !At(s, 16, ':')
            || (s.Length == 26 && !At(s, 19, '.')))
        {
            return false;
        }

        var (year, month, day) = (Digits(s, 0, 4), Digits(s, 5, 2), Digits(s, 8, 2));
        var (hour, minute, second) = (Digits(s, 11, 2), Digits(s, 14, 2), Digits(s, 17, 2));
        var micro = s.Length == 26 ? Digits(s, 20, 6) : 0;
        if (year < 0 || month is < 0 or > 15 || day is < 0 or > 31 || hour is < 0 or > 31 || minute is < 0 or > 63 || second is < 0 or > 63 || micro < 0)
        {
            return false;
        }

        packed = Packed | ((long)year << 47) | ((long)month << 43) | ((long)day << 38) | ((long)hour << 33) | ((long)minute << 27)
            | ((long)second << 21) | ((long)micro << 1) | (s.Length == 26 ? 1L : 0L);
        return true;
    }

    private static bool At<T>(ReadOnlySpan<T> s, int index, char expected)
        where T : unmanaged, IBinaryInteger<T> => int.CreateTruncating(s[index]) == expected;

    /// <summary>The number the ASCII digits at <paramref name="start"/> spell; -1 if any is not a digit.</summary>
    private static int Digits<T>(ReadOnlySpan<T> s, int start, int count)
        where T : unmanaged, IBinaryInteger<T>
    {
        var value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = int.CreateTruncating(s[i]) - '0';
            if (digit is < 0 or > 9)
            {
                return -1;
            }

            value = (value * 10) + digit;
        }

        return value;
    }

    private static string Unpack(long packed) => string.Create((packed & 1) != 0 ? 26 : 19, packed, static (text, p) =>
    {
        Write(text, 0, 4, (int)((p >> 47) & 0x3FFF));
        text[4] = '-';
        Write(text, 5, 2, (int)((p >> 43) & 0xF));
        text[7] = '-';
        Write(text, 8, 2, (int)((p >> 38) & 0x1F));
        text[10] = 'T';
        Write(text, 11, 2, (int)((p >> 33) & 0x1F));
        text[13] = ':';
        Write(text, 14, 2, (int)((p >> 27) & 0x3F));
        text[16] = ':';
        Write(text, 17, 2, (int)((p >> 21) & 0x3F));
        if (text.Length == 26)
        {
            text[19] = '.';
            Write(text, 20, 6, (int)((p >> 1) & 0xFFFFF));
        }
    });

    private static void Write(Span<char> text, int start, int count, int value)
    {
        for (var i = start + count - 1; i >= start; i--)
        {
            text[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }

    public bool Equals(Stamp other) => _packed == other._packed && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Stamp other && Equals(other);

    public override int GetHashCode() => _packed != 0 ? _packed.GetHashCode() : (_text is null ? 0 : StringComparer.Ordinal.GetHashCode(_text));

    public static bool operator ==(Stamp left, Stamp right) => left.Equals(right);

    public static bool operator !=(Stamp left, Stamp right) => !left.Equals(right);
}
