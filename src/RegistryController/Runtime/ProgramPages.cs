using System.Globalization;
using System.Runtime.InteropServices;

namespace RegistryController.Runtime;

/// <summary>
/// Hands back to the kernel the pages of a file that this process has mapped and read, keeping their contents.
/// A native build runs its code and reads its type data straight from the executable's pages: start-up (the host, its
/// services, the first read of every registry) touches about 24 MB of them, and they would stay resident for the
/// life of the process though the steady state uses a fraction of them. <c>MADV_PAGEOUT</c> (Linux 5.4) reclaims
/// them as memory pressure would; a page used again is read back on first touch. It never changes memory: a page
/// this process has written (a private copy) is kept, there being no swap to move it to.
/// </summary>
internal static partial class ProgramPages
{
    private const int MadvisePageOut = 21;

    /// <summary>
    /// Asks the kernel to reclaim every mapping of <paramref name="path"/> in this process; returns the bytes of the
    /// mappings it accepted the advice for (0 on a kernel without <c>MADV_PAGEOUT</c>, where nothing happens).
    /// </summary>
    public static long Release(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        long advised = 0;
        foreach (var (start, end, mapped) in Mappings())
        {
            if (mapped == path && Madvise((nint)start, (nuint)(end - start), MadvisePageOut) == 0)
            {
                advised += (long)(end - start);
            }
        }

        return advised;
    }

    /// <summary>The process's mappings: <c>start-end perms offset dev inode path</c>, one a line of <c>/proc/self/maps</c>.</summary>
    private static IEnumerable<(ulong Start, ulong End, string Path)> Mappings()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6)
            {
                continue;
            }

            var range = fields[0].Split('-');
            yield return (
                ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                fields[5].TrimStart(' '));
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
