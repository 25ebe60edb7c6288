using System.Collections.Concurrent;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.Logging;
using RegistryController.Cluster;
using RegistryController.Judgement;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// Follows orphans (<c>agent_</c> sessions no watched workspace names) from scan to scan: reports
/// each new one, and, only when opted in, kills one after it has been an orphan of every watched
/// workspace continuously for the configured time, and only while every registry could be read (an
/// unreadable registry might name it). Each kill is logged with what was known. With a 2026 workspace watched,
/// a session younger than <c>Reconcile:Grace</c> is no orphan yet: the orchestrator inserts its row about 2 s after
/// creating it; and a session no row names may be named by an adopted 2025 task's JSON registry
/// (<see cref="Sqlite2026Orphans"/>, as <c>health</c> judges). Layouts are those of the moment: a workspace that
/// switched to sqlite-2026 brings the grace with it.
/// </summary>
public sealed partial class OrphanTracker(
    TmuxOptions options,
    WorkspaceCaches caches,
    WatchedWorkspaces workspaces,
    ControllerOptions controllerOptions,
    ReconcileOptions reconcileOptions,
    WorkspaceReader reader,
    TimeProvider time,
    IEventSink events,
    ILogger<OrphanTracker> logger)
{
    private readonly TimeSpan? _killAfter = controllerOptions.KillOrphansAfter;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _orphanSince = new(StringComparer.Ordinal);
    private readonly TmuxServerSelector _selector = new(options);

    /// <summary>Sessions killed so far (for tests and metrics).</summary>
    public int Killed { get; private set; }

    /// <summary>Orphans at the last scan (for metrics).</summary>
    public int Current => _orphanSince.Count;

    public async Task ObserveAsync(TmuxView view, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (view.Status != TmuxViewStatus.Listed)
        {
            _orphanSince.Clear();
            return;
        }

        // Each workspace's set is asked in turn, not copied into one: a scan of 40,000 named sessions would otherwise
        // build a set of them every time (1.3 MB, most of what an idle controller allocates).
        var all = caches.All;
        var named = new List<IReadOnlySet<string>>(all.Count);
        var adopted = new List<AdoptedJsonNames>();
        foreach (var cache in all)
        {
            var (sessions, complete) = cache.NamedSessions();
            if (!complete)
            {
                // Continuity is broken: an unreadable registry might name any of them.
                _orphanSince.Clear();
                return;
            }

            named.Add(sessions);
            if (workspaces.LayoutOf(cache.Root) == StateLayout.Sqlite2026)
            {
                adopted.Add((unnamed, ct) => cache.Adopted.GetAsync(unnamed, c => reader.ReadAsync(cache.Root, null, c), ct));
            }
        }

        var now = time.GetUtcNow();
        bool IsNamed(string session)
        {
            foreach (var set in named)
            {
                if (set.Contains(session))
                {
                    return true;
                }
            }

            return false;
        }

        var (found, readable) = await Sqlite2026Orphans.FindAsync(view, IsNamed, ClockReading.From(time), Grace(), adopted, cancellationToken);
        if (readable && adopted.Count > 0 && _killAfter is { } killAfter && found.Any(o => _orphanSince.TryGetValue(o.Session, out var since) && now - since >= killAfter))
        {
            // Adopted JSON names are remembered between scans, and a task copied in since is not watched: before a
            // kill they are read afresh, so that a session some registry now names is never killed.
            foreach (var cache in caches.All.Where(c => workspaces.LayoutOf(c.Root) == StateLayout.Sqlite2026))
            {
                cache.Adopted.Forget();
            }

            (found, readable) = await Sqlite2026Orphans.FindAsync(view, IsNamed, ClockReading.From(time), Grace(), adopted, cancellationToken);
        }

        if (!readable)
        {
            _orphanSince.Clear();
            return;
        }

        var orphans = found.Select(o => view.Sessions[o.Session]).ToList();
        foreach (var gone in _orphanSince.Keys.Except(orphans.Select(o => o.Name)))
        {
            _orphanSince.TryRemove(gone, out _);
        }

        foreach (var orphan in orphans)
        {
            var since = _orphanSince.GetOrAdd(orphan.Name, now);
            if (since == now)
            {
                events.Publish(new ControllerEvent(ControllerEventType.Warning, EventReasons.OrphanSession, $"tmux session {orphan.Name} is named by no registry of the {caches.All.Count} watched workspace(s)"));
            }

            if (_killAfter is not { } after || now - since < after)
            {
                continue;
            }

            var result = await Cli.Wrap(options.Binary)
                .WithArguments([.. _selector.GlobalArguments(), "kill-session", "-t", "=" + orphan.Name])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
            _orphanSince.TryRemove(orphan.Name, out _);
            if (result.ExitCode == 0)
            {
                Killed++;
                LogKilled(orphan.Name, orphan.Created, since, caches.All.Count, orphan.Panes, orphan.DeadPanes);
            }
            else
            {
                LogKillFailed(orphan.Name, result.StandardError.Trim());
            }
        }
    }

    // The 2025 orchestrator writes its registry before the session starts to matter; only the 2026 one leaves a
    // session nameless for a while, so only beside such a workspace are young sessions spared.
    private TimeSpan? Grace() => workspaces.Roots.Any(r => workspaces.LayoutOf(r) == StateLayout.Sqlite2026) ? reconcileOptions.Grace : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killed orphan session {Session} (created {Created}, orphan since {Since}, named by none of {Workspaces} watched workspaces, {Panes} panes of which {DeadPanes} dead)")]
    private partial void LogKilled(string session, DateTimeOffset? created, DateTimeOffset since, int workspaces, int panes, int deadPanes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not kill orphan session {Session}: {Error}")]
    private partial void LogKillFailed(string session, string error);
}
