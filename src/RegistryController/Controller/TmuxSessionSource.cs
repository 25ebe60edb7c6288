using Microsoft.Extensions.Logging;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// tmux changes as keys: every new look (a push, a scan) is diffed with the previous one, and the keys naming a
/// changed session are put on the queue, linked to the look that saw it. A 2025 workspace's key is each registry that
/// names one; a 2026 workspace's key is its database, when its last read names one. A change of kind (listed → no
/// server → broken) may touch anything: every workspace is resynced.
/// </summary>
public sealed partial class TmuxSessionSource : IDisposable
{
    private readonly TmuxViewCache _views;
    private readonly WorkspaceCaches _caches;
    private readonly WorkspaceKeys _keys;
    private readonly WorkQueue<RegistryLocation> _queue;
    private readonly ControllerStatus _status;
    private readonly ILogger _logger;

    public TmuxSessionSource(TmuxViewCache views, WorkspaceCaches caches, WorkspaceKeys keys, WorkQueue<RegistryLocation> queue, ControllerStatus status, ILogger<TmuxSessionSource> logger)
    {
        ArgumentNullException.ThrowIfNull(views);
        _views = views;
        _caches = caches;
        _keys = keys;
        _queue = queue;
        _status = status;
        _logger = logger;
        _views.Refreshed += OnViewRefreshed;
    }

    /// <summary>The keys of every watched workspace that name any of <paramref name="sessions"/>.</summary>
    public IEnumerable<RegistryLocation> KeysNaming(IReadOnlySet<string> sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        foreach (var root in _keys.Roots)
        {
            var cache = _caches.For(root);
            if (_keys.LayoutOf(root) == StateLayout.Sqlite2026)
            {
                if (cache.NamesAny(sessions))
                {
                    yield return RegistryLocation.StateDatabase(root);
                }

                continue;
            }

            foreach (var location in cache.NamingAny(sessions))
            {
                yield return location;
            }
        }
    }

    public void Dispose() => _views.Refreshed -= OnViewRefreshed;

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

            _keys.ResyncAll();
            return;
        }

        LogViewRefreshed(current.Sessions.Count, changed.Count);
        if (changed.Count == 0)
        {
            return;
        }

        foreach (var key in KeysNaming(changed))
        {
            // Linked to the look that saw the change (which links to the notification that asked for it).
            _queue.Add(key, Trigger.Tmux, current.Trace == default ? null : current.Trace);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "tmux view refreshed: {Sessions} sessions, {Changed} changed")]
    private partial void LogViewRefreshed(int sessions, int changed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "tmux view went from {Previous} to {Current} ({Detail}); reconciling everything")]
    private partial void LogViewChanged(TmuxViewStatus previous, TmuxViewStatus current, string detail);
}
