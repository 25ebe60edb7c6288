using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RegistryController.Cluster;
using RegistryController.Judgement;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// Runs the controller: reads every workspace and reconciles every registry before it reports
/// ready, then feeds one work queue from the file watchers, tmux's push notifications, a periodic
/// tmux scan and a periodic full resync, and drains it with a bounded number of workers.
/// </summary>
public sealed partial class ControllerManager : BackgroundService
{
    private readonly IReadOnlyList<string> _workspaces;
    private readonly IReadOnlyList<string> _sqliteWorkspaces;
    private readonly IRegistryStore _store;
    private readonly TmuxViewCache _views;
    private readonly WorkspaceCaches _caches;
    private readonly RegistryReconciler _reconciler;
    private readonly ControllerOptions _options;
    private readonly ReconcileOptions _reconcileOptions;
    private readonly TmuxOptions _tmuxOptions;
    private readonly ControllerStatus _status;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly List<RegistryFileSource> _fileSources = [];
    private readonly HashSet<string> _missingRoots = new(StringComparer.Ordinal);
    private readonly OrphanTracker _orphans;
    private readonly IDisposable _gauges;
    private readonly HashSet<RegistryLocation> _startupPending = [];
    private readonly TaskCompletionSource _startupDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<RegistryLocation, ReconcileOutcome> _lastOutcomes = new();

    public ControllerManager(
        WatchedWorkspaces workspaces,
        IRegistryStore store,
        TmuxViewCache views,
        WorkspaceCaches caches,
        RegistryReconciler reconciler,
        ControllerOptions options,
        ReconcileOptions reconcileOptions,
        TmuxOptions tmuxOptions,
        WorkQueueOptions queueOptions,
        ControllerStatus status,
        TimeProvider time,
        ILoggerFactory loggers,
        IEventSink events)
    {
        ArgumentNullException.ThrowIfNull(workspaces);
        ArgumentNullException.ThrowIfNull(views);
        ArgumentNullException.ThrowIfNull(reconciler);
        ArgumentNullException.ThrowIfNull(loggers);
        // run reconciles the 2025 JSON layout only. A 2026 workspace keeps its state in SQLite and writes its
        // JSON once: judging that JSON would write what the orchestrator's re-import then copies back wrongly.
        _sqliteWorkspaces = [.. workspaces.Roots.Where(r => StateLayouts.Detect(r) == StateLayout.Sqlite2026)];
        _workspaces = [.. workspaces.Roots.Except(_sqliteWorkspaces, StringComparer.Ordinal)];
        _store = store;
        _views = views;
        _caches = caches;
        _reconciler = reconciler;
        _options = options;
        _reconcileOptions = reconcileOptions;
        _tmuxOptions = tmuxOptions;
        _status = status;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<ControllerManager>();
        Queue = new WorkQueue<RegistryLocation>(queueOptions, time);
        _orphans = new OrphanTracker(tmuxOptions, caches, options.KillOrphansAfter, time, events, loggers.CreateLogger<OrphanTracker>());

        _views.Refreshed += OnViewRefreshed;
        _gauges = ControllerGauges.Register(this);
    }

    public WorkQueue<RegistryLocation> Queue { get; }

    /// <summary>The workspaces' caches (for the active-agents gauge).</summary>
    public WorkspaceCaches Caches => _caches;

    /// <summary>Active agents per watched workspace, as last read.</summary>
    public IEnumerable<(string Workspace, int Active)> ActiveAgents() =>
        _caches.All.Select(c => (c.Root, Judgement.ActiveAgents.Count(c.Snapshot().Registries.Where(r => r.Kind == Registry.RegistryKind.Task).Select(r => r.Model), _reconcileOptions)));

    /// <summary>Orphans followed from scan to scan.</summary>
    public OrphanTracker Orphans => _orphans;

    /// <summary>What the health endpoints read (for the readiness and loop-activity gauges).</summary>
    public ControllerStatus Status => _status;

    /// <summary>How many registries' latest reconcile ended with <paramref name="outcome"/>.</summary>
    public int RegistriesLastEndedWith(ReconcileOutcome outcome) => _lastOutcomes.Values.Count(o => o == outcome);

    /// <summary>Completes once the startup reconcile of every registry is done.</summary>
    public Task Ready => _startupDone.Task;

    /// <summary>Queues every registry of one workspace (a watcher overflow, the periodic resync).</summary>
    public void Resync(string root)
    {
        _status.Resynced();
        foreach (var location in SafeDiscover(root).Concat(_caches.For(root).Locations()).Distinct())
        {
            Queue.Add(location, Trigger.Resync);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await StartAsyncCore(stoppingToken);
        var loop = new ReconcileLoop(
            Queue,
            (item, ct) => _reconciler.ReconcileAsync(item.Key, item.Triggers, ReconcileLoop.Causes(item), ct),
            new ReconcileLoop.Observer(_status.Started, _status.Finished, Done));
        var workers = Enumerable.Range(0, Math.Max(1, _options.Workers)).Select(i => loop.RunWorkerAsync(i, stoppingToken)).ToList();
        var control = _tmuxOptions.ControlMode
            ? new TmuxControlModeSource(_tmuxOptions, _views, () => _ = ScanAsync(stoppingToken), _loggers.CreateLogger<TmuxControlModeSource>())
            : null;
        var loops = new List<Task>
        {
            control?.RunAsync(stoppingToken) ?? Task.CompletedTask,
            EveryAsync(_options.ScanInterval, ScanAsync, stoppingToken),
            EveryAsync(_options.ResyncInterval, ct => { ResyncAll(); return Task.CompletedTask; }, stoppingToken),
        };

        try
        {
            await Task.WhenAll(workers.Concat(loops));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: workers finished the reconcile they had; nothing is half-written.
        }
        finally
        {
            Queue.ShutDown();
        }
    }

    public override void Dispose()
    {
        lock (_fileSources)
        {
            foreach (var source in _fileSources)
            {
                source.Dispose();
            }
        }

        Queue.Dispose();
        _gauges.Dispose();
        base.Dispose();
    }

    private async Task StartAsyncCore(CancellationToken cancellationToken)
    {
        var view = await _views.RefreshAsync(cancellationToken);
        _status.TmuxViewHealthy = view.View.CanJudgeLiveness;
        foreach (var root in _sqliteWorkspaces)
        {
            LogSqliteNotWatched(root);
        }

        foreach (var root in _workspaces)
        {
            var cache = _caches.For(root);
            var snapshot = await new WorkspaceReader(_store, _reconcileOptions).ReadAsync(root, null, cancellationToken);
            foreach (var registry in snapshot.Registries)
            {
                cache.Update(registry);
            }

            lock (_fileSources)
            {
                _fileSources.Add(Watch(root));
            }

            LogWatching(root, snapshot.Registries.Length);
        }

        lock (_fileSources)
        {
            _status.WatchersHealthy = _fileSources.All(s => s.Healthy);
        }

        lock (_startupPending)
        {
            foreach (var location in _caches.All.SelectMany(c => c.Locations()))
            {
                _startupPending.Add(location);
                Queue.Add(location, Trigger.Startup);
            }

            if (_startupPending.Count == 0)
            {
                MarkReady();
            }
        }
    }

    private void Done(WorkItem<RegistryLocation> item, ReconcileResult result, TimeSpan? retry)
    {
        // A registry left in error or held stays counted until a later reconcile settles it: the
        // outcome counter alone cannot tell "failed once, then fine" from "still broken".
        if (result.Outcome == ReconcileOutcome.Forgotten)
        {
            _lastOutcomes.TryRemove(item.Key, out _);
        }
        else
        {
            _lastOutcomes[item.Key] = result.Outcome;
        }

        if (retry is { } delay)
        {
            LogReconcileFailed(item.Key.Path, result.Error ?? "unknown", delay);
        }

        FinishStartup(item);
    }

    private void FinishStartup(WorkItem<RegistryLocation> item)
    {
        lock (_startupPending)
        {
            if (_startupPending.Remove(item.Key) && _startupPending.Count == 0)
            {
                MarkReady();
            }
        }
    }

    private void MarkReady()
    {
        // The startup reconcile reads and parses every registry at once; its garbage is gone but
        // the heap it grew stays committed. One aggressive collection hands it back to the system,
        // so a controller beside an orchestrator settles at its steady-state size.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _status.StartupComplete = true;
        _startupDone.TrySetResult();
        var count = _caches.All.Sum(c => c.Count);
        LogReady(count);
    }

    private async Task ScanAsync(CancellationToken cancellationToken)
    {
        LogScanning();
        try
        {
            Rewatch();
            var timed = await _views.RefreshAsync(cancellationToken);
            _status.Tick();
            // Sessions a 2026 workspace names live in its database, which run does not read: any of them
            // would look like an orphan, so with such a workspace watched beside, orphans are not followed.
            if (_sqliteWorkspaces.Count == 0)
            {
                await _orphans.ObserveAsync(timed.View, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A scan is fired and forgotten by the push source: its failure must be logged, never lost.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogScanFailed(ex);
        }
    }

    private RegistryFileSource Watch(string root)
    {
        var source = new RegistryFileSource(root, (location, trigger, cause) => Queue.Add(location, trigger, cause), Resync, _loggers.CreateLogger<RegistryFileSource>());
        source.Start();
        return source;
    }

    /// <summary>
    /// A workspace root removed (and perhaps recreated) is watched by nothing, silently: on every scan
    /// each root is checked, a recreated one is watched again and resynced, and a missing one makes
    /// the controller not ready (with a warning naming it) until it comes back.
    /// </summary>
    private void Rewatch()
    {
        lock (_fileSources)
        {
            for (var i = 0; i < _fileSources.Count; i++)
            {
                var source = _fileSources[i];
                if (source.WatchesCurrentRoot)
                {
                    continue;
                }

                var root = _workspaces[i];
                if (!Directory.Exists(root))
                {
                    if (_missingRoots.Add(root))
                    {
                        LogWorkspaceMissing(root);
                    }

                    continue;
                }

                source.Dispose();
                _fileSources[i] = Watch(root);
                _missingRoots.Remove(root);
                LogWorkspaceRewatched(root);
                Resync(root);
            }

            _status.WatchersHealthy = _missingRoots.Count == 0 && _fileSources.All(s => s.Healthy);
        }
    }

    /// <summary>Diffs every new view against the previous one and queues only the registries naming a changed session.</summary>
    private void OnViewRefreshed(TmuxView? previous, TmuxView current)
    {
        _status.TmuxViewHealthy = current.CanJudgeLiveness;
        var changed = TmuxSessionDiff.Changed(previous, current);
        if (changed is null)
        {
            if (previous is not null)
            {
                LogViewChanged(previous.Status, current.Status, current.Detail);
            }

            ResyncAll();
            return;
        }

        LogViewRefreshed(current.Sessions.Count, changed.Count);
        if (changed.Count == 0)
        {
            return;
        }

        foreach (var cache in _caches.All)
        {
            foreach (var location in cache.NamingAny(changed))
            {
                // Linked to the look that saw the change (which links to the notification that asked for it).
                Queue.Add(location, Trigger.Tmux, current.Trace == default ? null : current.Trace);
            }
        }
    }

    private void ResyncAll()
    {
        foreach (var root in _workspaces)
        {
            Resync(root);
        }
    }

    private IEnumerable<RegistryLocation> SafeDiscover(string root)
    {
        try
        {
            return RegistryDiscovery.Discover(root);
        }
        catch (IOException ex)
        {
            LogDiscoveryFailed(root, ex.Message);
            return [];
        }
    }

    private async Task EveryAsync(TimeSpan period, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await action(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "tmux scan")]
    private partial void LogScanning();

    [LoggerMessage(Level = LogLevel.Error, Message = "tmux scan failed")]
    private partial void LogScanFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "tmux view refreshed: {Sessions} sessions, {Changed} changed")]
    private partial void LogViewRefreshed(int sessions, int changed);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Root} keeps its state in registry/state.sqlite3 (the 2026 layout): run does not reconcile it yet and leaves it alone (use registryctl health and repair); orphan sessions are not followed while it is listed")]
    private partial void LogSqliteNotWatched(string root);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Root} ({Count} registries)")]
    private partial void LogWatching(string root, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ready: startup reconcile of {Count} registries done")]
    private partial void LogReady(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile of {Path} failed: {Error}; retrying in {Delay}")]
    private partial void LogReconcileFailed(string path, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "tmux view went from {Previous} to {Current} ({Detail}); reconciling everything")]
    private partial void LogViewChanged(TmuxViewStatus previous, TmuxViewStatus current, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The workspace {Root} no longer exists: nothing is watched there until it comes back (checked on every tmux scan); not ready")]
    private partial void LogWorkspaceMissing(string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The workspace {Root} was removed and recreated: watching the new directory and reconciling all of it")]
    private partial void LogWorkspaceRewatched(string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list {Root}: {Error}")]
    private partial void LogDiscoveryFailed(string root, string error);
}
