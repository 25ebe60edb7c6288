using System.Collections.Immutable;

namespace RegistryController.Store.Sqlite;

/// <summary>How the 2026 state database is read and repaired. Configured under <c>Sqlite:</c>.</summary>
public sealed record SqliteStoreOptions
{
    public const string Section = "Sqlite";

    /// <summary>The configuration key of <see cref="BusyTimeout"/>, as errors name it.</summary>
    public static string BusyTimeoutKey => $"{Section}:{nameof(BusyTimeout)}";

    /// <summary>
    /// How long a repair waits for the orchestrator's write lock before giving up with nothing written.
    /// Shorter than the orchestrator's own 10 s, so that a held database fails our repair, never its writers.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Files larger than this are refused before SQLite opens them; null for no limit.</summary>
    public long? MaxFileBytes { get; init; }

    /// <summary>
    /// Statuses whose transition stamps <c>completed_at</c>: the orchestrator's <c>AGENT_TERMINAL_STATUSES</c>
    /// at d746b7e. Configurable because the orchestrator's sets change between versions.
    /// </summary>
    public ImmutableHashSet<string> TerminalStatuses { get; init; } =
        ["completed", "failed", "error", "terminated", "killed", "phase_completed"];

    /// <summary>
    /// Statuses whose transition marks an INITIALIZED task ACTIVE, as <c>update_agent_status</c> does.
    /// </summary>
    public ImmutableHashSet<string> ActiveStatuses { get; init; } = ["running", "working", "blocked", "reviewing"];

    /// <summary>
    /// <c>PRAGMA user_version</c> values we know the layout of. The orchestrator at d746b7e never sets it (0):
    /// it migrates by <c>PRAGMA table_info</c> + <c>ALTER TABLE ADD COLUMN</c>, so the columns are checked too.
    /// Any other value means a schema we have not read, and nothing is read or written.
    /// </summary>
    public ImmutableArray<long> KnownUserVersions { get; init; } = [0];
}
