using System.Globalization;
using System.Runtime.InteropServices;

namespace RegistryController.Runtime;

/// <summary>
/// Hands back to the kernel the pages of a file that this process has mapped and read, keeping what the process sees.
/// A native build runs its code and reads its type data straight from the executable's pages: start-up (the host, its
/// services, the first read of every registry) touches about 24 MB of them, and they would stay resident for the life
/// of the process though the steady state uses a fraction of them. A page used again is read back on first touch, from
/// the page cache while the file is in it.
/// <list type="bullet">
/// <item>A read-only mapping none of whose pages the process holds a private copy of (the code, the read-only data) is
/// unmapped with <c>MADV_DONTNEED</c>: its pages are the file's, so what comes back is the same. One with a private
/// copy (a relocation table the loader wrote and then made read-only) is left as it is: unmapping would drop it.</item>
/// <item>A writable mapping gets <c>MADV_PAGEOUT</c> (Linux 5.4), which never changes memory: the kernel reclaims the
/// file's pages as memory pressure would and keeps the process's own copies (swapping them out if it has swap). It
/// reclaims the file's pages only for a process that owns the file (or could write it); for others it does nothing.</item>
/// </list>
/// </summary>
internal static partial class ProgramPages
{
    private const int MadviseDontNeed = 4;
    private const int MadvisePageOut = 21;

    /// <summary>
    /// Gives the advice above for every mapping of <paramref name="path"/> in this process; returns the bytes of the
    /// mappings the kernel accepted it for (what it then reclaims depends on the kernel, see above).
    /// </summary>
    public static long Release(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        long advised = 0;
        foreach (var mapping in Mappings())
        {
            if (mapping.Path != path)
            {
                continue;
            }

            var advice = !mapping.Writable && mapping.AnonymousKb == 0 ? MadviseDontNeed
                : mapping.Writable ? MadvisePageOut
                : 0;
            if (advice != 0 && Madvise((nint)mapping.Start, (nuint)(mapping.End - mapping.Start), advice) == 0)
            {
                advised += (long)(mapping.End - mapping.Start);
            }
        }

        return advised;
    }

    private sealed record Mapping(ulong Start, ulong End, bool Writable, string Path, long AnonymousKb);

    /// <summary>
    /// The process's mappings from <c>/proc/self/smaps</c>: a header line <c>start-end perms offset dev inode path</c>,
    /// then lines of <c>Name: value</c>, of which the kilobytes held as private copies (<c>Anonymous</c>).
    /// </summary>
    private static List<Mapping> Mappings()
    {
        var mappings = new List<Mapping>();
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var first = space < 0 ? line : line[..space];
            if (!first.Contains(':', StringComparison.Ordinal))
            {
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                var range = fields[0].Split('-');
                mappings.Add(new Mapping(
                    ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    fields[1].Length > 1 && fields[1][1] == 'w',
                    fields.Length < 6 ? string.Empty : fields[5],
                    AnonymousKb: 0));
            }
            else if (first == "Anonymous:" && mappings.Count > 0)
            {
                var kilobytes = long.Parse(line[space..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                mappings[^1] = mappings[^1] with { AnonymousKb = kilobytes };
            }
        }

        return mappings;
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
