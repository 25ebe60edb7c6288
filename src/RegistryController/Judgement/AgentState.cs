using RegistryController.Evidence;
using RegistryController.Registry;

namespace RegistryController.Judgement;

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

    /// <summary>
    /// What its files say of how it ended; read only for an agent whose liveness is in question (its
    /// session gone or dead), null when not read.
    /// </summary>
    public AgentEvidence? Evidence { get; init; }

    /// <summary>An entry of a JSON task registry, as the judgement sees it.</summary>
    public static AgentState Of(AgentRecord agent, string taskId)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return new(agent.Id, taskId, agent.Status, agent.TmuxSession, agent.StartedAt);
    }
}
