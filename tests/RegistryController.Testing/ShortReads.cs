using System.Runtime.CompilerServices;
using RegistryController.Registry;

namespace RegistryController.Testing;

/// <summary>A file's bytes handed out at most a few at a time, as a pipe or a busy file system may: every token and
/// every character of more than one byte can be cut between two reads.</summary>
internal static class ShortReads
{
    /// <summary>Piece sizes that cut every token and every UTF-8 character (of up to four bytes) somewhere.</summary>
    public static readonly int[] TinyPieces = [1, 2, 3, 7];

    /// <summary>Reads <paramref name="bytes"/> at most <paramref name="piece"/> bytes at a time; <paramref name="reads"/> counts the reads.</summary>
    public static ReadAt Of(byte[] bytes, int piece, StrongBox<int>? reads = null) => (destination, offset) =>
    {
        if (reads is not null)
        {
            reads.Value++;
        }

        var count = (int)Math.Min(Math.Min(destination.Length, piece), bytes.Length - offset);
        bytes.AsSpan((int)offset, count).CopyTo(destination);
        return count;
    };
}
