using System.Collections.Immutable;
using RegistryController.Evidence;
using RegistryController.Processes;
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

    /// <summary>The processes the orchestrator recorded for it (<c>claude_pid</c>, <c>cursor_pid</c>); usually none.</summary>
    public ImmutableArray<int> Pids { get; init; } = [];

    /// <summary>
    /// What this host's process table showed for those pids, keyed by pid; looked at only for an agent whose liveness
    /// is in question, empty when not looked at.
    /// </summary>
    public IReadOnlyDictionary<int, ProcessSighting> Processes { get; init; } = ImmutableDictionary<int, ProcessSighting>.Empty;

    /// <summary>An entry of a JSON task registry, as the judgement sees it, with what was looked up of it (one record per agent and pass: every agent of a workspace is judged).</summary>
    public static AgentState Of(
        AgentRecord agent,
        string taskId,
        DateTimeOffset? lastActive = null,
        AgentEvidence? evidence = null,
        IReadOnlyDictionary<int, ProcessSighting>? processes = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return new(agent.Id, taskId, agent.Status, agent.TmuxSession, agent.StartedAt)
        {
            Pids = PidsOf(agent.ClaudePid, agent.CursorPid),
            LastActive = lastActive,
            Evidence = evidence,
            Processes = processes ?? ImmutableDictionary<int, ProcessSighting>.Empty,
        };
    }

    // Called for every agent of a workspace, several times a pass: no LINQ, no allocation when no pid is recorded.
    private static ImmutableArray<int> PidsOf(int? claude, int? cursor)
    {
        int? first = claude > 0 ? claude : null;
        int? second = cursor > 0 && cursor != first ? cursor : null;
        return (first, second) switch
        {
            ({ } a, { } b) => [a, b],
            ({ } a, null) => [a],
            (null, { } b) => [b],
            _ => [],
        };
    }
}
