using System.Collections.Immutable;

namespace RegistryController.Evidence;

/// <summary>
/// The stream log's last complete line, when it is Claude's <c>{"type":"result",…}</c>. <see cref="IsError"/>
/// is the outcome; <see cref="Subtype"/> is kept only to explain it (a usage-limit end says <c>success</c>
/// with <c>is_error: true</c>).
/// </summary>
/// <param name="File">The file the line was read from, as the task directory names it (logs/ or archive/).</param>
public sealed record StreamResult(string File, bool IsError, string? Subtype);

/// <summary>
/// The last complete line of an agent's progress file whose status is terminal: the agent's own word on how it
/// ended. <see cref="Timestamp"/> is raw, as the orchestrator wrote it (naive local ISO), for the judgement to
/// compare with the agent's start.
/// </summary>
public sealed record ProgressReport(string File, string Status, string? Message, int? Progress, string? Timestamp);

/// <summary>A file that should be evidence but cannot be read as such, named, with the reason in words.</summary>
public sealed record EvidenceProblem(string File, string Problem);

/// <summary>What an agent's files say about how it ended. Facts only: which outcome they mean is decided elsewhere.</summary>
public sealed record AgentEvidence(StreamResult? Result, ProgressReport? TerminalReport, ImmutableArray<EvidenceProblem> Problems)
{
    public static AgentEvidence None { get; } = new(null, null, []);
}
