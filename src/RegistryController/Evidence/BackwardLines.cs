namespace RegistryController.Evidence;

/// <summary>
/// A file's complete lines, last first, read backwards in chunks: the last line of a 500 MB log costs that line
/// (and at most one chunk more), however long the line is. Bytes after the last newline are a writer's
/// unfinished append and are never returned as a line.
/// </summary>
internal sealed class BackwardLines
{
    private const int ChunkBytes = 64 * 1024;

    private readonly EvidenceFile _file;
    private readonly long _maxLineBytes;
    private readonly CancellationToken _ct;

    // The window holds the file's bytes from _windowStart on: all of them up to the line being read, perhaps more.
    private byte[] _window = [];
    private long _windowStart;
    private bool? _endsWithNewline;

    // The position of the newline that ends the next line to return: -1 when none is left, MinValue before the first look.
    private long _lineEnd = long.MinValue;

    public BackwardLines(EvidenceFile file, long maxLineBytes, CancellationToken ct)
    {
        _file = file;
        _maxLineBytes = maxLineBytes;
        _ct = ct;
        _windowStart = file.Length;
    }

    public long BytesRead { get; private set; }

    /// <summary>Whether the file ends with a newline, that is, whether its last line is complete. Reads one chunk at most.</summary>
    public bool EndsWithNewline()
    {
        if (_endsWithNewline is { } known)
        {
            return known;
        }

        if (_file.Length > 0 && _windowStart == _file.Length)
        {
            Extend(_file.Length);
        }

        _endsWithNewline = _file.Length > 0 && _window[(int)(_file.Length - 1 - _windowStart)] == (byte)'\n';
        return _endsWithNewline.Value;
    }

    /// <summary>The next complete line going backwards, without its newline, and where it starts; null when there is none.</summary>
    public (ReadOnlyMemory<byte> Line, long Start)? Previous()
    {
        if (_lineEnd == long.MinValue)
        {
            _lineEnd = NewlineBefore(_file.Length);
        }

        if (_lineEnd < 0)
        {
            return null;
        }

        var start = NewlineBefore(_lineEnd) + 1;
        var line = _window.AsMemory((int)(start - _windowStart), (int)(_lineEnd - start));
        _lineEnd = start - 1;
        return (line, start);
    }

    /// <summary>The position of the last newline before <paramref name="end"/>, or -1; the window then covers it up to <paramref name="end"/>.</summary>
    private long NewlineBefore(long end)
    {
        var searched = end;
        while (true)
        {
            var at = _window.AsSpan(0, (int)(searched - _windowStart)).LastIndexOf((byte)'\n');
            if (at >= 0)
            {
                return _windowStart + at;
            }

            if (_windowStart == 0)
            {
                return -1;
            }

            if (end - _windowStart >= _maxLineBytes)
            {
                throw new EvidenceReadException($"has a line longer than {_maxLineBytes:N0} bytes: not read");
            }

            searched = _windowStart;
            Extend(end);
        }
    }

    /// <summary>Reads the chunk before the window, keeping only the window's bytes before <paramref name="keepUpTo"/>.</summary>
    private void Extend(long keepUpTo)
    {
        _ct.ThrowIfCancellationRequested();
        var kept = (int)(keepUpTo - _windowStart);

        // Chunks grow with the line, so a very long line costs a few reads and amortised linear copying.
        var chunk = (int)Math.Min(_windowStart, Math.Max(ChunkBytes, kept));
        var grown = new byte[chunk + kept];
        _window.AsSpan(0, kept).CopyTo(grown.AsSpan(chunk));

        var target = grown.AsSpan(0, chunk);
        var position = _windowStart - chunk;
        while (!target.IsEmpty)
        {
            int n;
            try
            {
                n = RandomAccess.Read(_file.Handle, target, position);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw new EvidenceReadException($"cannot be read: {error.Message}");
            }

            if (n == 0)
            {
                throw new EvidenceReadException("shrank while being read: not read");
            }

            BytesRead += n;
            target = target[n..];
            position += n;
        }

        _window = grown;
        _windowStart -= chunk;
    }
}

/// <summary>A file that cannot be read to the end of its line; the message is the reason, in words.</summary>
internal sealed class EvidenceReadException(string message) : Exception(message);
