using Microsoft.Extensions.Logging;
using RegistryController.Runtime;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// The file source of every watched workspace, each of its layout's kind, and their upkeep: a watched directory
/// removed (and perhaps recreated) is watched by nothing, silently, so on every scan each is checked; a recreated
/// one is watched again and resynced, and a missing one makes the controller not ready until it comes back. A workspace
/// that switched to sqlite-2026 gets its new layout's source (<see cref="Follow"/>); the scan also looks for a switch
/// that no file event told of.
/// </summary>
public sealed partial class WorkspaceFileSources(
    WorkQueue<RegistryLocation> queue,
    WorkspaceKeys keys,
    ControllerStatus status,
    ILoggerFactory loggers) : IDisposable
{
    private readonly List<WorkspaceFileSource> _sources = [];
    private readonly HashSet<string> _missing = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<WorkspaceFileSources>();

    /// <summary>The sources as they are now (one per workspace).</summary>
    internal IReadOnlyList<WorkspaceFileSource> Current
    {
        get
        {
            lock (_sources)
            {
                return [.. _sources];
            }
        }
    }

    public void Start(string root)
    {
        lock (_sources)
        {
            _sources.Add(Create(root));
            status.WatchersHealthy = _sources.All(s => s.Healthy);
        }
    }

    /// <summary>Watches again every workspace whose watched directory went away and came back (a scan calls this).</summary>
    public void Rewatch()
    {
        lock (_sources)
        {
            for (var i = 0; i < _sources.Count; i++)
            {
                // A switch raises WatchedWorkspaces.Upgraded, whose listener replaces this source (Follow); one whose
                // replacing failed then is retried here.
                var root = _sources[i].Root;
                if (keys.Refresh(root) != _sources[i].Layout)
                {
                    Follow(root);
                }
                else if (!_sources[i].WatchesCurrentRoot)
                {
                    Rewatch(i);
                }
            }

            status.WatchersHealthy = _missing.Count == 0 && _sources.All(s => s.Healthy);
        }
    }

    /// <summary>Gives a workspace the source of its current layout, if it has another (a switch to sqlite-2026).</summary>
    public void Follow(string root)
    {
        lock (_sources)
        {
            var i = _sources.FindIndex(s => s.Root == root);
            var layout = keys.LayoutOf(root);
            if (i < 0 || _sources[i].Layout == layout)
            {
                // Not started yet: its start creates the source of the layout it then has.
                return;
            }

            try
            {
                var fresh = Create(root);
                _sources[i].Dispose();
                _sources[i] = fresh;
                LogFollowing(root, layout);
            }
            catch (Exception e) when (e is ArgumentException or IOException)
            {
                // The old source stays, still routing the database's files to its key; a scan retries.
                LogFollowFailed(root, e.Message);
            }

            status.WatchersHealthy = _missing.Count == 0 && _sources.All(s => s.Healthy);
        }
    }

    public void Dispose()
    {
        lock (_sources)
        {
            foreach (var source in _sources)
            {
                source.Dispose();
            }
        }
    }

    private void Rewatch(int i)
    {
        var root = _sources[i].Root;
        WorkspaceFileSource fresh;
        try
        {
            fresh = Create(root);
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            // FileSystemWatcher refuses a directory that does not exist.
            if (_missing.Add(root))
            {
                LogWorkspaceMissing(root);
            }

            return;
        }

        _sources[i].Dispose();
        _sources[i] = fresh;
        _missing.Remove(root);
        LogWorkspaceRewatched(root);
        keys.Resync(root);
    }

    private WorkspaceFileSource Create(string root)
    {
        WorkspaceFileSource source = keys.LayoutOf(root) == StateLayout.Sqlite2026
            ? new StateDatabaseFileSource(root, queue, keys.Resync, loggers.CreateLogger<StateDatabaseFileSource>())
            : new RegistryFileSource(root, queue, keys.Resync, loggers.CreateLogger<RegistryFileSource>());
        try
        {
            source.Start();
        }
        catch
        {
            source.Dispose();
            throw;
        }

        return source;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The workspace {Root} no longer exists (or its watched registry/ directory does not): nothing is watched there until it comes back (checked on every tmux scan); not ready")]
    private partial void LogWorkspaceMissing(string root);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watching {Root} as {Layout} from now on")]
    private partial void LogFollowing(string root, StateLayout layout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not watch {Root} for its new layout: {Error}; retried on every tmux scan")]
    private partial void LogFollowFailed(string root, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The workspace {Root} was removed and recreated: watching the new directory and reconciling all of it")]
    private partial void LogWorkspaceRewatched(string root);
}
