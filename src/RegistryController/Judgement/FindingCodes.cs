namespace RegistryController.Judgement;

/// <summary>Stable identifiers of findings, used in the JSON report.</summary>
public static class FindingCodes
{
    public const string Zombie = "zombie";
    public const string ActiveCountMismatch = "active_count_mismatch";
    public const string GlobalOutOfStep = "global_out_of_step";
    public const string GlobalAgentUnknown = "global_agent_unknown";
    public const string HistoryMismatch = "history_mismatch";
    public const string NoSessionRecorded = "no_session_recorded";
    public const string Unreadable = "unreadable";
    public const string CountsUnverifiable = "counts_unverifiable";
    public const string Stuck = "stuck";
    public const string UnknownStatus = "unknown_status";
    public const string EvidenceUnreadable = "evidence_unreadable";
    public const string SlotsHeld = "slots_held";
    public const string ProcessOutlivesSession = "process_outlives_session";
    public const string AuditLineCompleted = "audit_line_completed";
}
