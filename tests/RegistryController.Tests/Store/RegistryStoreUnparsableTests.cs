using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>
/// The orchestrator's careless writer (<c>open(path, 'w')</c> + <c>json.dump</c>, no lock) leaves an
/// empty or half-written file for a moment. That is a state to wait out, never one to write over.
/// </summary>
public class RegistryStoreUnparsableTests
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(37);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public async Task A_half_written_file_is_re_read_the_configured_times_and_then_refused_without_a_write(double keptFraction)
    {
        using var temp = new TempDirectory();
        var (location, whole) = HalfWritten(temp, keptFraction);
        var cut = await File.ReadAllBytesAsync(location.Path);
        var delays = new HeldDelays(RetryDelay);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions { UnparsableRetries = 3, UnparsableDelay = RetryDelay }, delays);
        var planned = 0;

        var update = store.UpdateAsync(location, _ => { planned++; return [new SetCounter("active_count", 1, 0)]; }, CancellationToken.None);
        for (var retry = 1; retry <= 3; retry++)
        {
            var delay = await delays.NextAsync(update);
            Assert.True(delay is not null, $"the update gave up after {retry - 1} re-reads, configured 3");
            delay.Release();
        }

        var error = await Assert.ThrowsAsync<RegistryFormatException>(() => update.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, delays.Count);
        Assert.Equal(0, planned);
        Assert.Equal(location.Path, error.Path);
        Assert.Equal(cut, await File.ReadAllBytesAsync(location.Path));
        Assert.NotEqual(whole, cut);
    }

    [Fact]
    public async Task A_file_its_writer_finishes_during_the_re_reads_is_updated_from_the_finished_content()
    {
        using var temp = new TempDirectory();
        var (location, whole) = HalfWritten(temp, 0.5);
        var delays = new HeldDelays(RetryDelay);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions { UnparsableRetries = 3, UnparsableDelay = RetryDelay }, delays);

        var update = store.UpdateAsync(location, model => [new SetCounter("active_count", model.ActiveCount!.Value, 0)], CancellationToken.None);
        var delay = await delays.NextAsync(update);
        Assert.NotNull(delay);
        await File.WriteAllBytesAsync(location.Path, whole);
        delay.Release();
        var outcome = await update.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(outcome.Written);
        Assert.Equal(2, outcome.Lock.Attempts);
        var expected = await Python.RunAsync(
            "import json, sys; d = json.load(open(sys.argv[1])); d['active_count'] = 0; sys.stdout.write(json.dumps(d, indent=2))",
            FixtureFiles.TaskRegistry);
        Assert.Equal(expected, await File.ReadAllTextAsync(location.Path));
    }

    [Theory]
    [InlineData(0.0, "the file is empty")]
    [InlineData(0.5, "not valid JSON at line")]
    public async Task Reading_a_half_written_file_gives_a_snapshot_that_names_the_problem(double keptFraction, string problem)
    {
        using var temp = new TempDirectory();
        var (location, _) = HalfWritten(temp, keptFraction);
        var store = new RegistryStore(new RegistryStoreOptions(), new LockOptions { UnparsableRetries = 1, UnparsableDelay = TimeSpan.FromMilliseconds(1) });

        var snapshot = await store.ReadAsync(location, CancellationToken.None);

        Assert.Null(snapshot.Model);
        Assert.Equal(location.Path, snapshot.Path);
        Assert.NotNull(snapshot.Error);
        Assert.Contains(problem, snapshot.Error, StringComparison.Ordinal);
    }

    /// <summary>The task fixture in a workspace, cut as an unlocked writer leaves it mid-write.</summary>
    private static (RegistryLocation Location, byte[] Whole) HalfWritten(TempDirectory temp, double keptFraction)
    {
        var root = FixtureFiles.CopyToWorkspace(temp.Path);
        var path = Path.Combine(root, FixtureFiles.TaskId, "AGENT_REGISTRY.json");
        var whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole.AsSpan(0, (int)(whole.Length * keptFraction)).ToArray());
        return (new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId), whole);
    }
}
