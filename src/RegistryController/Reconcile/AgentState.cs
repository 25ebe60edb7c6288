namespace RegistryController.Reconcile;

/// <summary>
/// One agent as the judgement sees it, whichever store keeps it: an entry of a JSON task registry or a
/// row of the orchestrator's SQLite store. Each store maps its own records to this, so a new store
/// never touches the judgement.
/// </summary>
/// <param name="StartedAt">Naive local ISO time, as the orchestrator writes it.</param>
public sealed record AgentState(string Id, string TaskId, string? Status, string? Session, string? StartedAt)
{
    /// <summary>When the agent's log or progress files last changed (for stuck agents); null when unknown.</summary>
    public DateTimeOffset? LastActive { get; init; }
}
