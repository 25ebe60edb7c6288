using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace RegistryController.Registry;

/// <summary>Reads up to <paramref name="destination"/>'s length of a file at <paramref name="offset"/>; 0 only at its end.</summary>
internal delegate int ReadAt(Span<byte> destination, long offset);

/// <summary>
/// The fast read's tokens, from a whole buffer or from a file read front to back into one reused buffer. A file is
/// read in pieces because a global registry is megabytes, and on a paravirtualised machine every first touch of a
/// page of fresh memory costs more than reading the bytes into it: an array the size of the file was most of what
/// reading one cost. A whole buffer never refills, so both inputs go through the same reader.
/// <para>
/// A refill moves what the reader has not consumed (a token cut at the end of the buffer) to the front, so a span
/// from <see cref="ValueSpan"/> is good only until the next <see cref="Read"/>. The UTF-8 check that the caller of a
/// whole-buffer read makes first is made here piece by piece, before the reader sees the bytes: a character cut at
/// the end of a piece waits for the next one. Bytes that are not UTF-8 end the read as a JsonException does.
/// </para>
/// </summary>
internal ref struct JsonTokens
{
    /// <summary>The piece a large file is read in; a file this size or smaller is read in one.</summary>
    public const int DefaultBufferBytes = 64 * 1024;

    /// <summary>
    /// Buffers up to this size come from the shared pool and go back to it. A larger one (a token of megabytes) is
    /// the collector's: the shared pool keeps what it is given for the life of the process, and `run` lives long.
    /// </summary>
    private const int PooledUpTo = 1 << 20;

    private readonly ReadAt? _source;
    private readonly long _length;
    private Utf8JsonReader _reader;
    private byte[]? _buffer;
    private long _offset;
    private int _filled;
    private int _checked;

    public JsonTokens(ReadOnlySpan<byte> bytes, JsonReaderOptions options)
    {
        _reader = new Utf8JsonReader(bytes, options);
    }

    /// <param name="bufferBytes">The buffer's first size; it grows only for a token longer than it.</param>
    public JsonTokens(long length, ReadAt source, int bufferBytes, JsonReaderOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferBytes);
        _source = source;
        _length = length;
        _buffer = Take((int)Math.Clamp(length, 1, bufferBytes));
        // Empty and not final: the first Read fills the buffer.
        _reader = new Utf8JsonReader([], isFinalBlock: false, new JsonReaderState(options));
    }

    public JsonTokenType TokenType => _reader.TokenType;

    public ReadOnlySpan<byte> ValueSpan => _reader.ValueSpan;

    public bool ValueIsEscaped => _reader.ValueIsEscaped;

    public bool Read()
    {
        while (!_reader.Read())
        {
            if (_reader.IsFinalBlock)
            {
                return false;
            }

            Refill();
        }

        return true;
    }

    public string? GetString() => _reader.GetString();

    public bool TryGetInt64(out long value) => _reader.TryGetInt64(out value);

    public bool TryGetInt32(out int value) => _reader.TryGetInt32(out value);

    /// <summary>Gives the buffer back to the pool; a whole-buffer reader has none.</summary>
    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            Give(buffer);
        }
    }

    private static byte[] Take(int size) =>
        size <= PooledUpTo ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);

    private static void Give(byte[] buffer)
    {
        if (buffer.Length <= PooledUpTo)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Refill()
    {
        var buffer = _buffer!;
        var consumed = (int)_reader.BytesConsumed;
        var kept = _filled - consumed;
        buffer.AsSpan(consumed, kept).CopyTo(buffer);
        _filled = kept;
        _checked -= consumed;
        if (_filled == buffer.Length)
        {
            buffer = Grow(buffer);
        }

        var wanted = (int)Math.Min(buffer.Length - _filled, _length - _offset);
        if (wanted > 0)
        {
            var read = _source!(buffer.AsSpan(_filled, wanted), _offset);
            if (read <= 0)
            {
                throw new EndOfStreamException($"the file ended at byte {_offset:N0} of {_length:N0}");
            }

            _offset += read;
            _filled += read;
        }

        var final = _offset == _length;
        _checked += WholeValidCharacters(buffer.AsSpan(_checked, _filled - _checked), final);
        _reader = new Utf8JsonReader(buffer.AsSpan(0, _checked), final, _reader.CurrentState);
    }

    private byte[] Grow(byte[] buffer)
    {
        var bigger = Take((int)Math.Min(Array.MaxLength, buffer.Length * 2L));
        buffer.AsSpan(0, _filled).CopyTo(bigger);
        _buffer = bigger;
        Give(buffer);
        return bigger;
    }

    /// <summary>How many of <paramref name="fresh"/>'s bytes are whole, valid characters; throws if any is not valid.</summary>
    private static int WholeValidCharacters(ReadOnlySpan<byte> fresh, bool final)
    {
        var whole = final ? fresh.Length : fresh.Length - CutCharacterLength(fresh);
        return Utf8.IsValid(fresh[..whole]) ? whole : throw new JsonException();
    }

    /// <summary>The length of a character begun but not ended at the end of <paramref name="bytes"/>, else 0.</summary>
    private static int CutCharacterLength(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(4, bytes.Length); back++)
        {
            var lead = bytes[^back];
            if ((lead & 0xC0) == 0x80)
            {
                continue;
            }

            // A byte no character starts with is left to the check, which refuses it now or with the next piece.
            var length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            return length > back ? back : 0;
        }

        return 0;
    }
}
