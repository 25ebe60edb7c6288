using Microsoft.Extensions.Logging;
using Mono.Unix.Native;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Telemetry;

namespace RegistryController.Controller;

/// <summary>
/// One FileSystemWatcher on a directory of a workspace (one inotify instance; a user has 128), putting keys on the
/// queue itself: what a changed path means is the layout's own mapping (<see cref="Route"/>). An overflow or
/// watcher error means events were lost: a full resync of the workspace is due.
/// </summary>
internal abstract partial class WorkspaceFileSource : IDisposable
{
    private readonly string _directory;
    private readonly WorkQueue<RegistryLocation> _queue;
    private readonly Action<string> _resync;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private int _directoryFd = -1;

    protected WorkspaceFileSource(string root, string directory, bool recursive, WorkQueue<RegistryLocation> queue, Action<string> resync, ILogger logger)
    {
        Root = root;
        _directory = directory;
        _queue = queue;
        _resync = resync;
        _logger = logger;
        _watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = recursive,
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

    public string Root { get; }

    /// <summary>The layout whose files this source follows.</summary>
    public abstract StateLayout Layout { get; }

    /// <summary>Whether the watcher is running (readiness).</summary>
    public bool Healthy { get; private set; }

    public void Start()
    {
        _watcher.EnableRaisingEvents = true;
        // Held open so that the directory's inode cannot be reused by a recreated one while we look.
        _directoryFd = Syscall.open(_directory, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
        Healthy = true;
    }

    /// <summary>
    /// Whether the directory watched is still the one at its path. When it is removed, inotify drops the watch
    /// without a word (no event, no error): a directory that is gone, or was recreated, is watched by nothing.
    /// </summary>
    public bool WatchesCurrentRoot =>
        _directoryFd >= 0
        && Syscall.fstat(_directoryFd, out var watched) == 0 && watched.st_nlink > 0
        && Syscall.stat(_directory, out var now) == 0 && now.st_ino == watched.st_ino && now.st_dev == watched.st_dev;

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Exposed for the overflow test: what the watcher does when the kernel queue overflows.</summary>
    internal void OnError(object? sender, ErrorEventArgs e)
    {
        LogWatcherError(Root, e.GetException().Message);
        _resync(Root);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        _watcher.Dispose();
        if (_directoryFd >= 0)
        {
            _ = Syscall.close(_directoryFd);
            _directoryFd = -1;
        }
    }

    /// <summary>The layout's mapping: a changed path → the key it touches (if any), put on the queue.</summary>
    protected abstract void Route(string path, WatcherChangeTypes change);

    /// <summary>Queues a key with a short span for the event: the reconcile it causes links to it.</summary>
    protected void Enqueue(RegistryLocation key, string path, WatcherChangeTypes change)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var activity = RegistryTelemetry.StartRoot(RegistryTelemetry.Spans.FileEvent);
        activity?.SetTag(RegistryTelemetry.Attributes.Path, path);
        activity?.SetTag(RegistryTelemetry.Attributes.FileChange, change.ToString().ToLowerInvariant());
        _queue.Add(key, Trigger.File, activity?.Context);
    }

    private void OnChanged(object sender, FileSystemEventArgs e) => Route(e.FullPath, e.ChangeType);

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        // Renamed into place (an atomic writer) or away (a move): both paths may have changed.
        Route(e.OldFullPath, e.ChangeType);
        Route(e.FullPath, e.ChangeType);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "File watcher on {Root} lost events ({Reason}); resyncing everything")]
    private partial void LogWatcherError(string root, string reason);
}
