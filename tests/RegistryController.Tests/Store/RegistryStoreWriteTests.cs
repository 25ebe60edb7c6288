using Mono.Unix.Native;
using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>What a write leaves on disk: nothing when there is nothing to do, and otherwise the same file, rewritten in place.</summary>
public class RegistryStoreWriteTests
{
    private static readonly DateTime LongAgo = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public async Task An_update_with_nothing_to_do_does_not_touch_the_file()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        var before = await File.ReadAllBytesAsync(location.Path);
        // An old mtime: any write at all, even of the same bytes, would move it to now.
        File.SetLastWriteTimeUtc(location.Path, LongAgo);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());
        RegistryModel? seen = null;

        var outcome = await store.UpdateAsync(location, model => { seen = model; return []; }, CancellationToken.None);

        Assert.NotNull(seen);
        Assert.False(outcome.Written);
        Assert.Equal(0, outcome.BytesWritten);
        Assert.Equal(before, await File.ReadAllBytesAsync(location.Path));
        Assert.Equal(LongAgo, File.GetLastWriteTimeUtc(location.Path));
    }

    [Fact]
    public async Task A_write_keeps_the_files_inode_owner_and_mode_and_python_reads_the_result()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        var mode = FilePermissions.S_IRUSR | FilePermissions.S_IWUSR | FilePermissions.S_IRGRP;
        Assert.Equal(0, Syscall.chmod(location.Path, mode));
        // As root the file can belong to someone else, as the orchestrator's files would.
        var isRoot = Syscall.getuid() == 0;
        if (isRoot)
        {
            Assert.Equal(0, Syscall.chown(location.Path, 4242, 4343));
        }

        Assert.Equal(0, Syscall.stat(location.Path, out var before));
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        var outcome = await store.UpdateAsync(location, model => [new SetCounter("active_count", model.ActiveCount!.Value, 5)], CancellationToken.None);

        Assert.True(outcome.Written);
        Assert.Equal(0, Syscall.stat(location.Path, out var after));
        Assert.Equal(before.st_ino, after.st_ino);
        Assert.Equal(before.st_uid, after.st_uid);
        Assert.Equal(before.st_gid, after.st_gid);
        Assert.Equal(before.st_mode, after.st_mode);
        Assert.Equal(mode, after.st_mode & ~FilePermissions.S_IFMT);
        if (isRoot)
        {
            Assert.Equal(4242u, after.st_uid);
        }

        Assert.Contains("\"active_count\": 5,", await File.ReadAllTextAsync(location.Path), StringComparison.Ordinal);
        Assert.True(await Python.ParsesAsync(location.Path));
    }

    [Fact]
    public async Task A_write_that_shrinks_the_file_leaves_exactly_what_python_would_write()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        // A counter as long as it gets, so that setting it to 0 shrinks the file by 18 bytes.
        await Python.RunAsync(
            "import json, sys; p = sys.argv[1]; d = json.load(open(p)); d['active_count'] = 10**18; open(p, 'w').write(json.dumps(d, indent=2))",
            location.Path);
        var lengthBefore = new FileInfo(location.Path).Length;
        var expected = await Python.RunAsync(
            "import json, sys; d = json.load(open(sys.argv[1])); d['active_count'] = 0; sys.stdout.write(json.dumps(d, indent=2))",
            location.Path);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        var outcome = await store.UpdateAsync(location, model => [new SetCounter("active_count", model.ActiveCount!.Value, 0)], CancellationToken.None);

        var text = await File.ReadAllTextAsync(location.Path);
        Assert.True(outcome.Written);
        var lengthAfter = new FileInfo(location.Path).Length;
        Assert.Equal(lengthBefore - 18, lengthAfter);
        Assert.Equal(lengthAfter, outcome.BytesWritten);
        Assert.False(text.EndsWith(' '), "the padding of the shrinking write was left behind");
        Assert.Equal(expected, text);
        Assert.True(await Python.ParsesAsync(location.Path));
    }

    [Fact]
    public async Task The_models_a_write_hands_on_keep_a_finished_agent_as_a_read_keeps_it()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions(), activeStatuses: new RegistryController.Judgement.ReconcileOptions().ActiveStatuses);
        RegistryModel? planned = null;

        var outcome = await store.UpdateAsync(location, model => { planned = model; return [new SetCounter("active_count", model.ActiveCount!.Value, 5)]; }, CancellationToken.None);

        // The plan saw every field; what goes on to the controller's cache is what a read of the file keeps.
        Assert.True(outcome.Written);
        Assert.All(planned!.Agents, a => Assert.NotNull(a.StartedAt));
        var read = await store.ReadAsync(location, CancellationToken.None);
        RegistryModels.AssertEqual(read.Model!, outcome.After, "after the write");
        Assert.Contains(outcome.After.Agents, a => a.Status == "completed" && a.StartedAt is null);
    }

    private static RegistryLocation TaskRegistry(TempDirectory temp)
    {
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        return new RegistryLocation(root, Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json"), RegistryKind.Task, FixtureFiles.TaskId);
    }
}
