namespace RegistryController.Judgement;

/// <summary>
/// How an agent ended, as the controller will record it: its new status, the termination reason (only
/// for <c>terminated</c>: a completed or failed agent was not killed), and the evidence that decided it.
/// </summary>
public sealed record Ending(string Status, string? TerminationReason, EndingEvidence Evidence)
{
    public const string TerminatedStatus = "terminated";

    /// <summary>No evidence of how it ended: its session is simply gone (or dead).</summary>
    public static Ending Terminated(string reason) => new(TerminatedStatus, reason, EndingEvidence.None);
}

/// <summary>What decided an agent's ending.</summary>
/// <param name="Kind">One of <see cref="StreamResult"/>, <see cref="ProgressReport"/>, <see cref="NoEvidence"/>.</param>
/// <param name="File">The file that told, relative to the task directory.</param>
/// <param name="Detail">The result's <c>subtype</c>, or the status the agent reported.</param>
public sealed record EndingEvidence(string Kind, string? File, string? Detail)
{
    public const string StreamResult = "stream_result";
    public const string ProgressReport = "progress_report";
    public const string NoEvidence = "none";

    public static EndingEvidence None { get; } = new(NoEvidence, null, null);

    /// <summary>
    /// The evidence as recorded in the registry's <c>outcome_evidence</c> and the audit line: one short
    /// line a person reading the file understands, naming the file.
    /// </summary>
    public string Describe() => Kind switch
    {
        StreamResult => $"stream log result ({Detail}): {File}",
        ProgressReport => $"progress report ({Detail}): {File}",
        _ => "no session and no result line or completion report",
    };
}
