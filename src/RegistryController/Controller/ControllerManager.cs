using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// Composes and starts the controller: reads every workspace and reconciles every key before it reports ready, then
/// runs the sources that put keys on the queue themselves (each workspace's file source, tmux's push, the periodic
/// scan and resync) and drains the queue with a bounded number of workers. A key is a JSON registry (2025) or a
/// workspace's state database (2026), each reconciled by its layout's reconciler. A workspace's layout may switch to
/// sqlite-2026 while it runs (<see cref="WatchedWorkspaces.Upgraded"/>): its keys, file source, cache and outcomes follow.
/// </summary>
public sealed partial class ControllerManager : BackgroundService
{
    private readonly WatchedWorkspaces _workspaces;
    private readonly WorkspaceKeys _keys;
    private readonly WorkspaceFileSources _files;
    private readonly TmuxSessionSource _sessions;
    private readonly TmuxControlModeSource _control;
    private readonly ControllerScan _scan;
    private readonly RegistryReconciler _registries;
    private readonly SqliteWorkspaceReconciler _databases;
    private readonly TmuxViewCache _views;
    private readonly ControllerOptions _options;
    private readonly ReconcileOptions _reconcileOptions;
    private readonly TmuxOptions _tmuxOptions;
    private readonly ControllerStatus _status;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDisposable _gauges;
    // How long after ready the start-up's heap is handed back (CompactAfterStartupAsync).
    private static readonly TimeSpan StartupCompactionDelay = TimeSpan.FromSeconds(1);
    private readonly HashSet<RegistryLocation> _startupPending = [];
    private readonly TaskCompletionSource _startupDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<RegistryLocation, ReconcileOutcome> _lastOutcomes = new();

    public ControllerManager(
        WorkQueue<RegistryLocation> queue,
        WatchedWorkspaces workspaces,
        WorkspaceKeys keys,
        WorkspaceFileSources files,
        TmuxSessionSource sessions,
        TmuxControlModeSource control,
        ControllerScan scan,
        RegistryReconciler registries,
        SqliteWorkspaceReconciler databases,
        OrphanTracker orphans,
        WorkspaceCaches caches,
        TmuxViewCache views,
        ControllerOptions options,
        ReconcileOptions reconcileOptions,
        TmuxOptions tmuxOptions,
        ControllerStatus status,
        TimeProvider time,
        ILogger<ControllerManager> logger)
    {
        ArgumentNullException.ThrowIfNull(workspaces);
        Queue = queue;
        _workspaces = workspaces;
        _keys = keys;
        _files = files;
        _sessions = sessions;
        _control = control;
        _scan = scan;
        _registries = registries;
        _databases = databases;
        Orphans = orphans;
        Caches = caches;
        _views = views;
        _options = options;
        _reconcileOptions = reconcileOptions;
        _tmuxOptions = tmuxOptions;
        _status = status;
        _time = time;
        _logger = logger;
        _gauges = ControllerGauges.Register(this);
        _workspaces.Upgraded += OnUpgraded;
    }

    public WorkQueue<RegistryLocation> Queue { get; }

    /// <summary>The workspaces' caches (for the active-agents gauge).</summary>
    public WorkspaceCaches Caches { get; }

    /// <summary>Orphans followed from scan to scan.</summary>
    public OrphanTracker Orphans { get; }

    /// <summary>Completes once the startup reconcile of every key is done.</summary>
    public Task Ready => _startupDone.Task;

    /// <summary>Each workspace's file source (for the overflow test).</summary>
    internal WorkspaceFileSources FileSources => _files;

    /// <summary>Active agents per watched workspace, as last read.</summary>
    public IEnumerable<(string Workspace, int Active)> ActiveAgents() =>
        Caches.All.Select(c => (c.Root, Judgement.ActiveAgents.Count(c.Snapshot().Registries.Where(r => r.Kind == RegistryKind.Task).Select(r => r.Model), _reconcileOptions)));

    /// <summary>What the health endpoints read (for the readiness and loop-activity gauges).</summary>
    public ControllerStatus Status => _status;

    /// <summary>How many keys' latest reconcile ended with <paramref name="outcome"/>.</summary>
    public int RegistriesLastEndedWith(ReconcileOutcome outcome) => _lastOutcomes.Values.Count(o => o == outcome);

    /// <summary>Queues every key of one workspace (a watcher overflow, the periodic resync).</summary>
    public void Resync(string root) => _keys.Resync(root);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await StartAsyncCore(stoppingToken);
        var loop = new ReconcileLoop(Queue, ReconcileAsync, new ReconcileLoop.Observer(_status.Started, _status.Finished, Done));
        var workers = Enumerable.Range(0, Math.Max(1, _options.Workers)).Select(i => loop.RunWorkerAsync(i, stoppingToken)).ToList();
        var loops = new List<Task>
        {
            _tmuxOptions.ControlMode ? _control.RunAsync(stoppingToken) : Task.CompletedTask,
            EveryAsync(_options.ScanInterval, _scan.ScanAsync, stoppingToken),
            EveryAsync(_options.ResyncInterval, ct => { _keys.ResyncAll(); return Task.CompletedTask; }, stoppingToken),
            CompactAfterStartupAsync(stoppingToken),
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
        _workspaces.Upgraded -= OnUpgraded;
        _files.Dispose();
        _sessions.Dispose();
        Queue.Dispose();
        _gauges.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Each key to its layout's reconciler, if its workspace still has that layout: a JSON key of a workspace now
    /// sqlite-2026 is forgotten, and a database key of a json-2025 workspace (its file source saw the database appear)
    /// switches it, here on a worker rather than on the watcher's thread, or is forgotten if no database stands.
    /// </summary>
    private Task<ReconcileResult> ReconcileAsync(WorkItem<RegistryLocation> item, CancellationToken cancellationToken) =>
        _workspaces.Refresh(item.Key.WorkspaceRoot) != item.Key.Layout
            ? Task.FromResult(ReconcileResult.Forgotten)
            : item.Key.Layout == StateLayout.Sqlite2026
                ? _databases.ReconcileAsync(item.Key, item.Triggers, ReconcileLoop.Causes(item), cancellationToken)
                : _registries.ReconcileAsync(item.Key, item.Triggers, ReconcileLoop.Causes(item), cancellationToken);

    private void OnUpgraded(string root)
    {
        _files.Follow(root);
        _keys.Switched(root);
        foreach (var key in _lastOutcomes.Keys.Where(k => k.WorkspaceRoot == root && k.Layout == StateLayout.Json2025))
        {
            _lastOutcomes.TryRemove(key, out _);
        }
    }

    private async Task StartAsyncCore(CancellationToken cancellationToken)
    {
        // The first look at tmux, the watchers and the first read of every workspace run side by side: listing 1,000
        // sessions and adding a recursive watch (an inotify watch and a listing per directory, 2,000 of them in a
        // workspace of 1,000 tasks) each take another core instead of coming before or after the read. A registry
        // changed after it was read is re-read by its start-up reconcile (its stamp differs); a file created where no
        // watch was yet, after the read passed, waits for the periodic resync, as any change did while the watchers
        // only started after the read. The look's own event (a first look resyncs every workspace) may come while
        // the read fills the caches: whatever keys it queues are the start-up's, and their reconcile reuses the read.
        var looking = _views.RefreshAsync(cancellationToken);
        foreach (var root in _keys.Roots)
        {
            _keys.Refresh(root);
        }

        var watching = Task.Run(
            () =>
            {
                foreach (var root in _keys.Roots)
                {
                    _files.Start(root);
                }
            },
            cancellationToken);
        var keys = new List<RegistryLocation>();
        try
        {
            foreach (var root in _keys.Roots)
            {
                keys.AddRange(await _keys.LoadAsync(root, cancellationToken));
            }
        }
        catch
        {
            // The read's failure is the one to report: the others are awaited (not left running, nor failing
            // unobserved) without replacing it.
            await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await ((Task)looking).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        await watching;
        var view = await looking;
        _status.TmuxViewHealthy = view.View.CanJudgeLiveness;

        lock (_startupPending)
        {
            foreach (var key in keys)
            {
                _startupPending.Add(key);
                Queue.Add(key, Trigger.Startup);
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
        // A JSON key that finished after its workspace switched is no registry of ours any more.
        if (result.Outcome == ReconcileOutcome.Forgotten || item.Key.Layout != _workspaces.LayoutOf(item.Key.WorkspaceRoot))
        {
            _lastOutcomes.TryRemove(item.Key, out _);
        }
        else
        {
            _lastOutcomes[item.Key] = result.Outcome;
        }

        if (retry is { } delay)
        {
            LogReconcileFailed(item.Key.Path, item.Key.Layout, result.Error ?? "unknown", delay);
        }

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
        _status.StartupComplete = true;
        _startupDone.TrySetResult();
        var count = Caches.All.Sum(c => c.Count);
        LogReady(count);
    }

    /// <summary>
    /// The startup reconcile reads and parses every registry at once; its garbage is gone but the heap it grew stays
    /// committed. One aggressive collection hands it back to the system, so a controller beside an orchestrator settles
    /// at its steady-state size. It stops every thread for a twentieth of the start-up (1,000 registries), so it runs a
    /// moment after ready, not inside it: the first probe is answered at once, and the start-up's burst of work is
    /// over by then (a reconcile that runs meanwhile waits for it, as for any collection). Then the pages of the
    /// program that the start-up read are handed back too (<see cref="ProgramPages"/>): of the 24 MB it touched, an
    /// idle controller reads about half again.
    /// </summary>
    private async Task CompactAfterStartupAsync(CancellationToken cancellationToken)
    {
        await _startupDone.Task.WaitAsync(cancellationToken);
        await Task.Delay(StartupCompactionDelay, _time, cancellationToken);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux() && !RuntimeFeature.IsDynamicCodeSupported && Environment.ProcessPath is { } program)
        {
            // A native build: its code and type data are pages of the executable, most of them read by the start-up
            // alone (a JIT build's code is not in its host's file, so there is nothing of it to hand back).
            try
            {
                ProgramPages.Release(program);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Only memory left as it was: nothing to stop the controller for.
                LogPagesKept(e.Message);
            }
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "The start-up's pages of the program were not handed back: {Error}")]
    private partial void LogPagesKept(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ready: startup reconcile of {Count} registries done")]
    private partial void LogReady(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile of {Path} ({Layout}) failed: {Error}; retrying in {Delay}")]
    private partial void LogReconcileFailed(string path, StateLayout layout, string error, TimeSpan delay);
}
