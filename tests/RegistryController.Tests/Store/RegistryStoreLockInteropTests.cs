using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>
/// The controller and the orchestrator's Python process exclude each other through flock(2) on the
/// registry file itself. These tests put a real python3 on the other side of the lock.
/// </summary>
public class RegistryStoreLockInteropTests
{
    /// <summary>Tries both flock modes without blocking, from a separate open file, as the orchestrator does.</summary>
    private const string FlockProbe = """
        import fcntl, sys
        with open(sys.argv[1]) as f:
            for name, op in (("exclusive", fcntl.LOCK_EX), ("shared", fcntl.LOCK_SH)):
                try:
                    fcntl.flock(f.fileno(), op | fcntl.LOCK_NB)
                    fcntl.flock(f.fileno(), fcntl.LOCK_UN)
                    print(name, "acquired")
                except BlockingIOError:
                    print(name, "blocked")
        """;

    [Fact]
    public async Task A_read_waits_for_a_python_writer_holding_the_lock_and_sees_what_it_wrote()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());
        var before = (await store.ReadAsync(location, CancellationToken.None)).Model!.ActiveCount;

        await using var python = await PythonLockHolder.LockAsync(location.Path, TimeSpan.FromSeconds(1), setKey: "active_count", setValueJson: "7");
        var snapshot = await store.ReadAsync(location, CancellationToken.None);

        Assert.Null(snapshot.Error);
        Assert.NotEqual(7, before);
        Assert.Equal(7, snapshot.Model!.ActiveCount);
    }

    [Fact]
    public async Task While_the_controller_holds_its_lock_python_can_take_neither_flock()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());
        string? probe = null;

        // The plan runs under the controller's exclusive lock: probe from Python right there.
        await store.UpdateAsync(
            location,
            _ =>
            {
                probe = Python.RunAsync(FlockProbe, location.Path).GetAwaiter().GetResult();
                return [];
            },
            CancellationToken.None);

        Assert.Equal(["exclusive blocked", "shared blocked"], Lines(probe));
    }

    [Fact]
    public async Task Once_an_update_returns_python_can_take_the_lock_again()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        var outcome = await store.UpdateAsync(location, model => [new SetCounter("active_count", model.ActiveCount!.Value, 0)], CancellationToken.None);

        Assert.True(outcome.Written);
        Assert.Equal(["exclusive acquired", "shared acquired"], Lines(await Python.RunAsync(FlockProbe, location.Path)));
    }

    [Fact]
    public async Task A_plan_that_throws_leaves_the_file_unchanged_and_the_lock_released()
    {
        using var temp = new TempDirectory();
        var location = TaskRegistry(temp);
        var before = await File.ReadAllBytesAsync(location.Path);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions());

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.UpdateAsync(location, _ => throw new InvalidOperationException("plan failed"), CancellationToken.None));

        Assert.Equal(before, await File.ReadAllBytesAsync(location.Path));
        Assert.Equal(["exclusive acquired", "shared acquired"], Lines(await Python.RunAsync(FlockProbe, location.Path)));
    }

    private static string[] Lines(string? text) => (text ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static RegistryLocation TaskRegistry(TempDirectory temp)
    {
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        return new RegistryLocation(root, Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json"), RegistryKind.Task, FixtureFiles.TaskId);
    }
}
