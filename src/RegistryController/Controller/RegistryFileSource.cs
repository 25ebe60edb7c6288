using Microsoft.Extensions.Logging;
using Mono.Unix.Native;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Telemetry;

namespace RegistryController.Controller;

/// <summary>
/// One recursive FileSystemWatcher per workspace root (one inotify instance each; a user has 128):
/// registry files created, changed, renamed into place or deleted, and task directories appearing
/// after start. An overflow or watcher error means events were lost: a full resync is due.
/// </summary>
public sealed partial class RegistryFileSource : IDisposable
{
    private readonly string _root;
    private readonly Action<RegistryLocation, Trigger, object?> _enqueue;
    private readonly Action<string> _resync;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private int _rootFd = -1;

    /// <param name="enqueue">Queues a registry; the third argument is the event's span context, for links.</param>
    public RegistryFileSource(string root, Action<RegistryLocation, Trigger, object?> enqueue, Action<string> resync, ILogger logger)
    {
        _root = root;
        _enqueue = enqueue;
        _resync = resync;
        _logger = logger;
        _watcher = new FileSystemWatcher(root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            // The largest buffer the kernel queue allows is cheap insurance against overflow.
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Created += OnChanged;
        _watcher.Changed += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnRenamed;
        _watcher.Error += OnError;
    }

    /// <summary>Whether the watcher is running (readiness).</summary>
    public bool Healthy { get; private set; }

    public void Start()
    {
        _watcher.EnableRaisingEvents = true;
        // Held open so that the directory's inode cannot be reused by a recreated root while we look.
        _rootFd = Syscall.open(_root, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
        Healthy = true;
    }

    /// <summary>
    /// Whether the directory watched is still the workspace root. When the root is removed, inotify
    /// drops the watch without a word (no event, no error): a root that is gone, or that was
    /// recreated as another directory, is watched by nothing.
    /// </summary>
    public bool WatchesCurrentRoot =>
        _rootFd >= 0
        && Syscall.fstat(_rootFd, out var watched) == 0 && watched.st_nlink > 0
        && Syscall.stat(_root, out var now) == 0 && now.st_ino == watched.st_ino && now.st_dev == watched.st_dev;

    public void Dispose()
    {
        _watcher.Dispose();
        if (_rootFd >= 0)
        {
            _ = Syscall.close(_rootFd);
            _rootFd = -1;
        }
    }

    /// <summary>Exposed for the overflow test: what the watcher does when the kernel queue overflows.</summary>
    internal void OnError(object? sender, ErrorEventArgs e)
    {
        LogWatcherError(_root, e.GetException().Message);
        _resync(_root);
    }

    private void OnChanged(object sender, FileSystemEventArgs e) => Route(e.FullPath, e.ChangeType);

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        // Renamed into place (an atomic writer) or away (a move): both registries may have changed.
        Route(e.OldFullPath, e.ChangeType);
        Route(e.FullPath, e.ChangeType);
    }

    private void Route(string path, WatcherChangeTypes change)
    {
        if (RegistryDiscovery.Classify(_root, path) is { } location)
        {
            // A short span per event: the reconcile it causes links to it.
            using var activity = RegistryTelemetry.StartRoot(RegistryTelemetry.Spans.FileEvent);
            activity?.SetTag(RegistryTelemetry.Attributes.Path, path);
            activity?.SetTag(RegistryTelemetry.Attributes.FileChange, change.ToString().ToLowerInvariant());
            _enqueue(location, Trigger.File, activity?.Context);
            return;
        }

        // A task directory appearing (or moved in) may already hold its registry.
        if (Path.GetDirectoryName(path) == _root.TrimEnd('/') && Directory.Exists(path))
        {
            var candidate = Path.Combine(path, RegistryDiscovery.TaskRegistryFileName);
            if (RegistryDiscovery.Classify(_root, candidate) is { } inside && File.Exists(candidate))
            {
                _enqueue(inside, Trigger.File, null);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "File watcher on {Root} lost events ({Reason}); resyncing everything")]
    private partial void LogWatcherError(string root, string reason);
}
