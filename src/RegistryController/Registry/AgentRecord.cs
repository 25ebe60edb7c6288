namespace RegistryController.Registry;

/// <summary>
/// What the controller needs of one agent entry. <see cref="Index"/> is the position in a task
/// registry's list (agent ids are not guaranteed unique there); -1 for global entries, which are keyed by id.
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
    string? OutcomeEvidence = null);
