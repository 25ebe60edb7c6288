using System.Collections.Immutable;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using Mono.Unix.Native;
using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>
/// Files the controller must not open: links out of the workspace, things that are not regular
/// files, files too large to read, files it may not write. Each is refused by name, and left as it is.
/// </summary>
public class RegistryStoreAccessTests
{
    private static readonly ImmutableArray<RegistryEdit> ZeroActive = [new SetCounter("active_count", 1, 0)];

    [Fact]
    public async Task A_registry_that_links_to_a_file_outside_the_workspace_is_refused_and_that_file_is_left_alone()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Combine("workspace"));
        var outside = temp.Combine("elsewhere.json");
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        File.Move(path, outside);
        File.CreateSymbolicLink(path, outside);
        var before = await File.ReadAllBytesAsync(outside);
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        var error = await Assert.ThrowsAsync<RegistryAccessException>(() => store.UpdateAsync(location, _ => ZeroActive, CancellationToken.None));
        var snapshot = await store.ReadAsync(location, CancellationToken.None);

        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the workspace", error.Message, StringComparison.Ordinal);
        Assert.Contains(outside, error.Message, StringComparison.Ordinal);
        Assert.Null(snapshot.Model);
        Assert.Contains("outside the workspace", snapshot.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(outside));
    }

    [Fact]
    public async Task A_task_directory_that_links_outside_the_workspace_is_refused_and_its_registry_left_alone()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Combine("workspace"));
        var outsideDirectory = temp.Combine("other-project-task");
        Directory.Move(Path.Combine(root, FixtureFiles.TaskId), outsideDirectory);
        Directory.CreateSymbolicLink(Path.Combine(root, FixtureFiles.TaskId), outsideDirectory);
        var outside = Path.Combine(outsideDirectory, "AGENT_REGISTRY.json");
        var before = await File.ReadAllBytesAsync(outside);
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        var error = await Assert.ThrowsAsync<RegistryAccessException>(() => store.UpdateAsync(location, _ => ZeroActive, CancellationToken.None));
        var snapshot = await store.ReadAsync(location, CancellationToken.None);

        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the workspace", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the workspace", snapshot.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(outside));
    }

    [Fact]
    public async Task A_registry_that_links_to_a_file_inside_the_workspace_is_updated_through_the_link()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        var target = Path.Combine(root, "registry", "task-copy.json");
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        File.Move(path, target);
        File.CreateSymbolicLink(path, target);
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        var outcome = await store.UpdateAsync(location, _ => ZeroActive, CancellationToken.None);

        Assert.True(outcome.Written);
        Assert.True(new FileInfo(path).LinkTarget is not null, "the link was replaced by a file");
        Assert.Contains("\"active_count\": 0,", await File.ReadAllTextAsync(target), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_at_the_registry_path_is_refused_without_hanging()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        File.Delete(path);
        Assert.Equal(0, Syscall.mkfifo(path, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR));
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        // Opening a FIFO blocks until a writer comes: run off the test thread, and bound the wait.
        var snapshot = await Task.Run(() => store.ReadAsync(location, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(20));
        var update = Task.Run(() => store.UpdateAsync(location, _ => ZeroActive, CancellationToken.None));
        var error = await Assert.ThrowsAsync<RegistryAccessException>(() => update.WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Contains("not a regular file", snapshot.Error, StringComparison.Ordinal);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_refused_with_a_message_naming_the_limit_and_is_not_written()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        var before = await File.ReadAllBytesAsync(path);
        var limit = before.LongLength - 1;
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions { MaxFileBytes = limit }, new LockOptions());
        var planned = 0;

        var error = await Assert.ThrowsAsync<RegistryAccessException>(() =>
            store.UpdateAsync(location, _ => { planned++; return ZeroActive; }, CancellationToken.None));
        var snapshot = await store.ReadAsync(location, CancellationToken.None);

        var limitText = limit.ToString("N0", CultureInfo.InvariantCulture);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{limitText}-byte limit", error.Message, StringComparison.Ordinal);
        Assert.Contains("Lock:MaxFileBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{limitText}-byte limit", snapshot.Error, StringComparison.Ordinal);
        Assert.Equal(0, planned);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_file_exactly_at_the_size_limit_is_read()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions { MaxFileBytes = new FileInfo(path).Length }, new LockOptions());

        var snapshot = await store.ReadAsync(location, CancellationToken.None);

        Assert.Null(snapshot.Error);
        Assert.NotNull(snapshot.Model);
    }

    /// <summary>
    /// Root ignores file modes, so as root the file is made immutable (<c>chattr +i</c>), which root
    /// cannot write through either; otherwise it is made read-only.
    /// </summary>
    [Fact]
    public async Task A_registry_the_controller_may_not_open_for_writing_is_refused_by_name_and_left_as_it_is()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        var before = await File.ReadAllBytesAsync(path);
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());
        var isRoot = Syscall.getuid() == 0;
        if (isRoot)
        {
            await ChattrAsync("+i", path);
        }
        else
        {
            Assert.Equal(0, Syscall.chmod(path, FilePermissions.S_IRUSR | FilePermissions.S_IRGRP));
        }

        try
        {
            var error = await Assert.ThrowsAsync<RegistryAccessException>(() => store.UpdateAsync(location, _ => ZeroActive, CancellationToken.None));
            var snapshot = await store.ReadAsync(location, CancellationToken.None);

            Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
            Assert.Contains("permission denied", error.Message, StringComparison.Ordinal);
            Assert.NotNull(snapshot.Model);
            Assert.Equal(before, await File.ReadAllBytesAsync(path));
        }
        finally
        {
            if (isRoot)
            {
                await ChattrAsync("-i", path);
            }
        }
    }

    private static async Task ChattrAsync(string flag, string path)
    {
        var result = await Cli.Wrap("chattr").WithArguments([flag, path]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(result.ExitCode == 0, $"chattr {flag} failed on this file system (run the suite as a non-root user instead): {result.StandardError}");
    }
}
