using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Store;

/// <summary>Reads every registry of a workspace into one snapshot. A bad file is an entry with an error, never an exception.</summary>
public sealed class WorkspaceReader(IRegistryStore store, ReconcileOptions options)
{
    private readonly IRegistryStore _store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly ReconcileOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <param name="beginRegistry">Called before each registry is read, on that read's own flow: a span it starts is the read's parent.</param>
    public async Task<WorkspaceSnapshot> ReadAsync(string root, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken, Action<RegistryLocation>? beginRegistry = null)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"the workspace {root} does not exist");
        }

        var locations = RegistryDiscovery.Discover(root);
        var snapshots = new RegistrySnapshot[locations.Count];
        var done = 0;
        // Reads are independent (one lock at a time each) and spread over the cores in runs of registries: one
        // hand-off per registry cost more CPU than the second core saved. The global registry (the largest file by
        // far) is a run of its own and goes first, so the other cores read task registries while it is parsed; the
        // runs of task registries are short enough that the cores finish within a millisecond or so of each other.
        var degree = Math.Max(2, Environment.ProcessorCount);
        var global = Enumerable.Range(0, locations.Count).Where(i => locations[i].Kind == RegistryKind.Global).ToArray();
        var tasks = Enumerable.Range(0, locations.Count).Where(i => locations[i].Kind != RegistryKind.Global).ToArray();
        var runs = tasks.Chunk(Math.Max(1, tasks.Length / (degree * 16))).Prepend(global).Where(run => run.Length > 0).ToArray();
        await Parallel.ForEachAsync(
            runs,
            new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken },
            async (run, token) =>
            {
                foreach (var i in run)
                {
                    beginRegistry?.Invoke(locations[i]);
                    snapshots[i] = AgentActivityProbe.Probe(await _store.ReadAsync(locations[i], token), root, _options);
                    progress?.Report((Interlocked.Increment(ref done), locations.Count));
                }
            });
        return new WorkspaceSnapshot(root, [.. snapshots]);
    }
}
