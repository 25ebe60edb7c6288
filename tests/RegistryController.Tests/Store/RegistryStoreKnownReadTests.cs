using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>
/// A read that may stand on an earlier one: a file that still bears the stamp of the earlier read is not read or
/// parsed again; any change to it, or a write too recent to be told apart from a later one, reads it again.
/// </summary>
public class RegistryStoreKnownReadTests
{
    private static readonly DateTime LongAgo = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public async Task A_file_unchanged_since_it_was_read_is_not_read_or_parsed_again()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        File.SetLastWriteTimeUtc(location.Path, LongAgo);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());
        var known = await store.ReadAsync(location, CancellationToken.None);

        var again = await store.ReadAsync(location, known, CancellationToken.None);

        Assert.Same(known, again);
        Assert.Equal(1, store.Parses);
    }

    [Fact]
    public async Task A_file_rewritten_since_it_was_read_is_read_again()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        File.SetLastWriteTimeUtc(location.Path, LongAgo);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());
        var known = await store.ReadAsync(location, CancellationToken.None);
        // Same length, same mtime as before: only the inode tells (a rename over it, as a careful writer does).
        var replacement = location.Path + ".new";
        File.Copy(location.Path, replacement);
        File.SetLastWriteTimeUtc(replacement, LongAgo);
        File.Move(replacement, location.Path, overwrite: true);

        var again = await store.ReadAsync(location, known, CancellationToken.None);

        Assert.NotSame(known, again);
        Assert.Equal(2, store.Parses);
    }

    [Fact]
    public async Task A_file_written_in_place_since_it_was_read_is_read_again()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        File.SetLastWriteTimeUtc(location.Path, LongAgo);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());
        var known = await store.ReadAsync(location, CancellationToken.None);
        var text = await File.ReadAllTextAsync(location.Path);
        await File.WriteAllTextAsync(location.Path, text.Replace("\"active_count\": 1", "\"active_count\": 2", StringComparison.Ordinal));

        var again = await store.ReadAsync(location, known, CancellationToken.None);

        Assert.NotSame(known, again);
        Assert.Equal(2, store.Parses);
    }

    [Fact]
    public async Task A_file_written_moments_before_it_was_read_is_read_again_even_if_its_stamp_stands()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        // Written just now: another write within the same tick could leave the same size and time behind.
        File.SetLastWriteTimeUtc(location.Path, DateTime.UtcNow);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());
        var known = await store.ReadAsync(location, CancellationToken.None);

        var again = await store.ReadAsync(location, known, CancellationToken.None);

        Assert.Null(known.Stamp);
        Assert.NotSame(known, again);
        Assert.Equal(2, store.Parses);
    }

    private static RegistryLocation TaskRegistry(TempDirectory temp)
    {
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        return new RegistryLocation(root, Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json"), RegistryKind.Task, FixtureFiles.TaskId);
    }
}
