using System.Text.Json.Nodes;

namespace RegistryController.Registry;

/// <summary>
/// The one table of what ending an agent writes: the fields the orchestrator's own transition to that
/// status writes (its <c>update_agent_progress</c>: <c>status</c>, <c>last_update</c>, and for
/// <c>completed</c> <c>completed_at</c> and <c>progress</c>; the controller's own <c>terminated</c>
/// adds <c>termination_reason</c> and <c>terminated_at</c>), plus who wrote it and on what evidence.
/// Both the file edit and the model the controller keeps are made from this table.
/// </summary>
internal static class AgentEndFields
{
    public const string ReconciledByField = "reconciled_by";
    public const string OutcomeEvidenceField = "outcome_evidence";

    /// <summary>The value of <see cref="ReconciledByField"/>: says this status is the controller's doing.</summary>
    public const string ReconciledBy = "registryctl";

    /// <summary>The fields an ending writes, in the order they are written, as JSON values for the file.</summary>
    public static IReadOnlyList<KeyValuePair<string, JsonNode>> For(EndAgent end) =>
        [.. Fields(end).Select(f => new KeyValuePair<string, JsonNode>(f.Key, f.Number is { } number ? JsonValue.Create(number) : JsonValue.Create(f.Text)!))];

    /// <summary>The table itself: each field a text, or (<c>progress</c>) a number.</summary>
    private static List<(string Key, string? Text, int? Number)> Fields(EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        var fields = new List<(string, string?, int?)>(7) { ("status", end.NewStatus, null) };
        if (end.TerminationReason is { } reason)
        {
            fields.Add(("termination_reason", reason, null));
            fields.Add(("terminated_at", end.Timestamp, null));
        }

        if (end.NewStatus == "completed")
        {
            fields.Add(("progress", null, 100));
            fields.Add(("completed_at", end.Timestamp, null));
        }

        fields.Add(("last_update", end.Timestamp, null));
        fields.Add((ReconciledByField, ReconciledBy, null));
        fields.Add((OutcomeEvidenceField, end.Evidence, null));
        return fields;
    }

    private static readonly string[] KilledOnly = ["termination_reason", "terminated_at"];

    /// <summary>
    /// Keys an ending without a termination reason removes: an agent that completed or failed was not killed,
    /// whatever an earlier run of the same entry left there.
    /// </summary>
    public static IReadOnlyList<string> Removed(EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        return end.TerminationReason is null ? KilledOnly : [];
    }

    /// <summary>The agent's record as it reads once <paramref name="end"/> is written.</summary>
    /// <remarks>
    /// Made in one piece: a <c>with</c> per field made a record and its ending's fields again for each (a kilobyte and
    /// more per zombie, on a pass that ends a thousand).
    /// </remarks>
    public static AgentRecord Apply(AgentRecord agent, EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(end);
        var (status, reason, terminatedAt, completedAt, lastUpdate, reconciledBy, evidence) =
            (agent.Status, agent.TerminationReason, agent.TerminatedAt, agent.CompletedAt, agent.LastUpdate, agent.ReconciledBy, agent.OutcomeEvidence);
        if (Removed(end).Count > 0)
        {
            (reason, terminatedAt) = (null, null);
        }

        foreach (var (key, text, _) in Fields(end))
        {
            switch (key)
            {
                case "status": status = text; break;
                case "termination_reason": reason = text; break;
                case "terminated_at": terminatedAt = text; break;
                case "completed_at": completedAt = text; break;
                case "last_update": lastUpdate = text; break;
                case ReconciledByField: reconciledBy = text; break;
                case OutcomeEvidenceField: evidence = text; break;
                default: break;
            }
        }

        return agent.WithEnding(status, reason, terminatedAt, completedAt, lastUpdate, reconciledBy, evidence);
    }
}
