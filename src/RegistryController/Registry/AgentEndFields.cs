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

    public static IReadOnlyList<KeyValuePair<string, JsonNode>> For(EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        var fields = new List<KeyValuePair<string, JsonNode>> { new("status", end.NewStatus) };
        if (end.TerminationReason is { } reason)
        {
            fields.Add(new("termination_reason", reason));
            fields.Add(new("terminated_at", end.Timestamp));
        }

        if (end.NewStatus == "completed")
        {
            fields.Add(new("progress", 100));
            fields.Add(new("completed_at", end.Timestamp));
        }

        fields.Add(new("last_update", end.Timestamp));
        fields.Add(new(ReconciledByField, ReconciledBy));
        fields.Add(new(OutcomeEvidenceField, end.Evidence));
        return fields;
    }

    /// <summary>
    /// Keys an ending without a termination reason removes: an agent that completed or failed was not killed,
    /// whatever an earlier run of the same entry left there.
    /// </summary>
    public static IReadOnlyList<string> Removed(EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        return end.TerminationReason is null ? ["termination_reason", "terminated_at"] : [];
    }

    /// <summary>The agent's record as it reads once <paramref name="end"/> is written.</summary>
    public static AgentRecord Apply(AgentRecord agent, EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(end);
        if (Removed(end).Count > 0)
        {
            agent = agent with { TerminationReason = null, TerminatedAt = null };
        }

        foreach (var (key, value) in For(end))
        {
            var text = value.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : null;
            agent = key switch
            {
                "status" => agent with { Status = text },
                "termination_reason" => agent with { TerminationReason = text },
                "terminated_at" => agent with { TerminatedAt = text },
                "completed_at" => agent with { CompletedAt = text },
                "last_update" => agent with { LastUpdate = text },
                ReconciledByField => agent with { ReconciledBy = text },
                OutcomeEvidenceField => agent with { OutcomeEvidence = text },
                _ => agent,
            };
        }

        return agent;
    }
}
