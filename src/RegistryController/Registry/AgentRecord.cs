namespace RegistryController.Registry;

/// <summary>
/// What the controller needs of one agent entry. <see cref="Index"/> is the position in a task
/// registry's list (agent ids are not guaranteed unique there); -1 for global entries, which are keyed by id.
/// <see cref="ClaudePid"/> and <see cref="CursorPid"/> are the processes the orchestrator recorded (usually none; the
/// cursor backend of late 2025 ran its agents without tmux and recorded only <c>cursor_pid</c>).
/// </summary>
public sealed record AgentRecord(
    string Id,
    int Index,
    string? Status,
    string? TmuxSession,
    string? StartedAt,
    string? TaskId,
    string? LogFile = null,
    string? ProgressFile = null,
    string? TerminationReason = null,
    string? TerminatedAt = null,
    string? CompletedAt = null,
    string? LastUpdate = null,
    string? ReconciledBy = null,
    string? OutcomeEvidence = null,
    int? ClaudePid = null,
    int? CursorPid = null)
{
    /// <summary>
    /// This entry as kept for an agent that is not active: without what only an active agent's verdict reads (when it
    /// started, the files it writes). How it ended stays: a global entry that lags behind copies it.
    /// </summary>
    public AgentRecord AsInactive() =>
        StartedAt is null && LogFile is null && ProgressFile is null ? this : this with { StartedAt = null, LogFile = null, ProgressFile = null };
}
