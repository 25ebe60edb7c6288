using System.Text;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>
/// The store reads a registry larger than its read buffer in pieces, under the same lock and checks, and says of it
/// what the whole file's parse says: the same model, or the same problem when the fast read gives up on it.
/// </summary>
public sealed class RegistryStoreStreamedReadTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private readonly RegistryStore _store = new(new RegistryStoreOptions(), new LockOptions { UnparsableRetries = 0 });

    [Fact]
    public async Task A_global_registry_larger_than_the_read_buffer_is_read_as_its_whole_bytes_parse()
    {
        var bytes = RegistrySamples.LargeGlobal(_temp.Combine("generated"), 4 * JsonTokens.DefaultBufferBytes);

        var snapshot = await ReadGlobalAsync(bytes);

        Assert.Null(snapshot.Error);
        RegistryModels.AssertEqual(RegistryParser.Parse(bytes, snapshot.Path, RegistryKind.Global), snapshot.Model, "large global");
    }

    [Fact]
    public async Task A_large_registry_the_fast_read_gives_up_on_near_its_end_gets_the_thorough_parses_problem()
    {
        var bytes = Edit(RegistrySamples.LargeGlobal(_temp.Combine("generated"), 4 * JsonTokens.DefaultBufferBytes), "\"status\": \"completed\"", "\"status\": 3");

        var snapshot = await ReadGlobalAsync(bytes);

        var whole = Assert.Throws<RegistryFormatException>(() => RegistryParser.ParseThoroughly(bytes, snapshot.Path, RegistryKind.Global));
        Assert.Equal(whole.Problem, snapshot.Error);
    }

    [Fact]
    public async Task A_large_registry_with_invalid_utf8_near_its_end_gets_the_whole_reads_problem()
    {
        var bytes = Edit(RegistrySamples.LargeGlobal(_temp.Combine("generated"), 4 * JsonTokens.DefaultBufferBytes), "\"status\": \"completed\"", "\"status\": \"compl\u00e9ted\"");
        bytes[Array.LastIndexOf(bytes, (byte)0xA9)] = 0x41;

        var snapshot = await ReadGlobalAsync(bytes);

        var whole = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, snapshot.Path, RegistryKind.Global));
        Assert.StartsWith("not valid UTF-8 at line ", whole.Problem, StringComparison.Ordinal);
        Assert.Equal(whole.Problem, snapshot.Error);
    }

    private async Task<RegistrySnapshot> ReadGlobalAsync(byte[] bytes)
    {
        var root = _temp.Combine("workspace");
        var path = RegistryDiscovery.GlobalRegistryPath(root);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes);
        return await _store.ReadAsync(new RegistryLocation(root, path, RegistryKind.Global, null), CancellationToken.None);
    }

    /// <summary>Replaces the last <paramref name="find"/>: near the end, past the first pieces of the read.</summary>
    private static byte[] Edit(byte[] bytes, string find, string replace)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var at = text.LastIndexOf(find, StringComparison.Ordinal);
        Assert.True(at > text.Length / 2, $"no {find} in the second half");
        return Encoding.UTF8.GetBytes(text[..at] + replace + text[(at + find.Length)..]);
    }

    public void Dispose() => _temp.Dispose();
}
