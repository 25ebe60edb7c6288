using Microsoft.Extensions.Logging;
using RegistryController.Runtime;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// A 2026 workspace's file events: <c>registry/</c> watched (not the task directories, whose logs agents write all
/// the time), and a commit is the database's key. In WAL mode a commit writes <c>state.sqlite3-wal</c>; a checkpoint
/// or a rollback-journal commit writes <c>state.sqlite3</c> itself. <c>-shm</c> is left out: every reader, ours
/// included, writes its read marks there, and our own reads must not wake us.
/// </summary>
internal sealed class StateDatabaseFileSource(string root, WorkQueue<RegistryLocation> queue, Action<string> resync, ILogger logger)
    : WorkspaceFileSource(root, Path.GetDirectoryName(StateLayouts.DatabasePath(root))!, recursive: false, queue, resync, logger)
{
    private readonly string _database = StateLayouts.DatabasePath(root);
    private readonly RegistryLocation _key = RegistryLocation.StateDatabase(root);

    public override StateLayout Layout => StateLayout.Sqlite2026;

    protected override void Route(string path, WatcherChangeTypes change)
    {
        if (path == _database || path == _database + "-wal")
        {
            Enqueue(_key, path, change);
        }
    }
}
