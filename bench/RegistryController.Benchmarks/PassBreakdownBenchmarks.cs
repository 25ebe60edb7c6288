using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Benchmarks;

/// <summary>
/// Where a health pass spends its time, part by part, on the same workspace: the tmux listing, reading
/// (lock, read, parse) every registry, and the pure judgement of a snapshot read beforehand. Reading
/// is split further: finding the files, their bytes alone (no lock, no parse, as parallel as the
/// reader), and parsing bytes already in memory (all files, and the global registry alone). The
/// global registry's parse is split once more: the JSON document alone, with the parser's options
/// (duplicate keys refused) and with the defaults, so that what is left is the model extraction.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class PassBreakdownBenchmarks
{
    private static readonly ReconcileOptions Options = new();
    private BenchWorkspace _workspace = null!;
    private TmuxCliViewSource _tmux = null!;
    private WorkspaceReader _reader = null!;
    private WorkspaceSnapshot _snapshot = null!;
    private TmuxView _view = null!;
    private IReadOnlyList<RegistryLocation> _locations = null!;
    private (byte[] Bytes, RegistryLocation Location)[] _files = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _workspace = await BenchWorkspace.CreateAsync();
        _tmux = new TmuxCliViewSource(_workspace.Tmux);
        _reader = new WorkspaceReader(PassChecks.Store(), new ReconcileOptions());
        _snapshot = await _reader.ReadAsync(_workspace.Root, null, CancellationToken.None);
        _view = await _tmux.GetViewAsync(CancellationToken.None);
        _locations = RegistryDiscovery.Discover(_workspace.Root);
        _files = [.. _locations.Select(l => (File.ReadAllBytes(l.Path), l))];
        await Console.Out.WriteLineAsync($"// {_files.Length} registries, {_files.Sum(f => (long)f.Bytes.Length) / 1024} KiB in all; global registry {_files.Single(f => f.Location.Kind == RegistryKind.Global).Bytes.Length / 1024} KiB");
        if (_view.Status != TmuxViewStatus.Listed || _snapshot.Registries.Any(r => r.Error is not null))
        {
            throw new InvalidOperationException($"benchmark workspace check failed: tmux {_view.Status} ({_view.Detail}), or a registry did not read");
        }
    }

    [GlobalCleanup]
    public Task CleanupAsync() => _workspace.DisposeAsync().AsTask();

    [Benchmark]
    public Task<TmuxView> ListTmuxOnce() => _tmux.GetViewAsync(CancellationToken.None);

    [Benchmark]
    public Task<WorkspaceSnapshot> ReadWorkspace() => _reader.ReadAsync(_workspace.Root, null, CancellationToken.None);

    [Benchmark]
    public IReadOnlyList<RegistryLocation> DiscoverRegistries() => RegistryDiscovery.Discover(_workspace.Root);

    [Benchmark]
    public async Task<long> ReadBytesOnly()
    {
        long total = 0;
        await Parallel.ForEachAsync(
            _locations,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) },
            async (location, token) => Interlocked.Add(ref total, (await File.ReadAllBytesAsync(location.Path, token)).Length));
        return total;
    }

    [Benchmark]
    public int ParseAll()
    {
        var agents = 0;
        foreach (var (bytes, location) in _files)
        {
            agents += RegistryParser.Parse(bytes, location.Path, location.Kind).Agents.Length;
        }

        return agents;
    }

    [Benchmark]
    public int ParseGlobalOnly()
    {
        var (bytes, location) = _files.Single(f => f.Location.Kind == RegistryKind.Global);
        return RegistryParser.Parse(bytes, location.Path, location.Kind).Agents.Length;
    }

    [Benchmark]
    public int JsonDocumentGlobal_DuplicateKeysRefused() => ParseDocument(new JsonDocumentOptions { MaxDepth = 512, AllowDuplicateProperties = false });

    [Benchmark]
    public int JsonDocumentGlobal_Defaults() => ParseDocument(default);

    [Benchmark]
    public WorkspaceVerdict JudgeSnapshot() =>
        Reconciler.Judge(_snapshot, _view, ClockReading.From(TimeProvider.System), Options, ReconcileScope.Everything);

    private int ParseDocument(JsonDocumentOptions options)
    {
        var bytes = _files.Single(f => f.Location.Kind == RegistryKind.Global).Bytes;
        using var document = JsonDocument.Parse(bytes, options);
        return document.RootElement.GetProperty("agents").GetPropertyCount();
    }
}
