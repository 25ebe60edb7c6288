using System.Collections.Immutable;
using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

public class RegistryStoreLockTests
{
    [Fact]
    public async Task An_update_waits_for_a_python_holder_and_applies_its_edit_on_top_of_what_python_wrote()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        await using var python = await PythonLockHolder.LockAsync(path, TimeSpan.FromSeconds(2), setKey: "max_agents", setValueJson: "99");
        var outcome = await store.UpdateAsync(location, model => [new SetCounter("active_count", model.ActiveCount!.Value, 0)], CancellationToken.None);

        Assert.True(outcome.Written);
        await python.Completion;
        // Both edits survive only if ours came after Python's: had we written while it held the
        // lock, its write-back of what it had read would have erased ours.
        var text = await File.ReadAllTextAsync(path);
        Assert.Contains("\"max_agents\": 99,", text, StringComparison.Ordinal);
        Assert.Contains("\"active_count\": 0,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_holder_past_the_bound_fails_that_file_with_a_message_naming_the_holder()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        var before = await File.ReadAllBytesAsync(path);
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions { Timeout = TimeSpan.FromMilliseconds(500) });

        var python = await PythonLockHolder.LockAsync(path, TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<RegistryLockTimeoutException>(() =>
            store.UpdateAsync(location, _ => ImmutableArray.Create<RegistryEdit>(new SetCounter("active_count", 1, 0)), CancellationToken.None));
        await python.DisposeAsync();

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("python3", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }
}
