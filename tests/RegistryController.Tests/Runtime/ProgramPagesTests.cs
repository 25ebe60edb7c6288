using System.IO.MemoryMappedFiles;
using RegistryController.Locking;
using RegistryController.Runtime;

namespace RegistryController.Tests.Runtime;

/// <summary>
/// Handing a mapped file's pages back to the kernel, on real mappings of this test's own process: what was read stops
/// being resident, and nothing read or written changes.
/// </summary>
public sealed class ProgramPagesTests : IDisposable
{
    private const int Size = 8 * 1024 * 1024;
    private const int Page = 4096;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A file of known bytes, on disk (a dirty page is not reclaimed until it is written back).</summary>
    private string FileOfKnownBytes()
    {
        var path = _temp.Combine("program");
        var bytes = new byte[Size];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i / Page);
        }

        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
        // As the process's mappings name it: every link of the temporary directory resolved.
        return Posix.RealPath(path)!;
    }

    /// <summary>The resident kilobytes of this process's mappings of <paramref name="path"/>, as /proc/self/smaps counts them.</summary>
    private static long ResidentKb(string path)
    {
        long resident = 0;
        var inMapping = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            // A mapping's header starts with its address range ("7f00-7f80 r--p ..."); its fields with a name and a colon.
            var first = line.AsSpan(0, Math.Max(0, line.IndexOf(' ', StringComparison.Ordinal)));
            if (first.Contains('-') && !first.Contains(':'))
            {
                inMapping = line.EndsWith(" " + path, StringComparison.Ordinal);
            }
            else if (inMapping && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                resident += long.Parse(line["Rss:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return resident;
    }

    [Fact]
    public void Pages_read_through_a_read_only_mapping_are_no_longer_resident_once_released_and_read_the_same_again()
    {
        var path = FileOfKnownBytes();
        using var mapped = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        for (var offset = 0; offset < Size; offset += Page)
        {
            Assert.Equal((byte)(offset / Page), view.ReadByte(offset));
        }

        var before = ResidentKb(path);
        var advised = ProgramPages.Release(path);
        var after = ResidentKb(path);

        Assert.True(before >= Size / 1024 * 9 / 10, $"the file was read whole but only {before} kB of it is resident");
        Assert.True(advised >= Size, $"advice accepted for {advised} bytes of an {Size}-byte mapping");
        Assert.True(after <= before / 10, $"{after} kB still resident of {before} kB after the release");
        Assert.Equal((byte)200, view.ReadByte(200L * Page));
    }

    [Fact]
    public void A_page_this_process_wrote_into_a_writable_private_mapping_keeps_what_was_written()
    {
        var path = FileOfKnownBytes();
        using var mapped = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.CopyOnWrite);
        using var view = mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.CopyOnWrite);
        view.Write(5L * Page, (byte)0xEE);

        ProgramPages.Release(path);

        Assert.Equal((byte)0xEE, view.ReadByte(5L * Page));
        Assert.Equal((byte)6, view.ReadByte(6L * Page));
        Assert.Equal((byte)5, File.ReadAllBytes(path)[5 * Page]);
    }
}
