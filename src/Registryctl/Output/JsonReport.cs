using System.Text.Json.Serialization;

namespace Registryctl.Output;

// The documented --json report (docs/report.md). Property names are snake_case on the wire;
// the version in Schema changes whenever a field changes meaning or disappears.

internal sealed record JsonReport(
    string Schema,
    string Command,
    string Mode,
    string Workspace,
    string Layout,
    double DurationMs,
    int ExitCode,
    JsonTmux Tmux,
    JsonGuard Guard,
    IReadOnlyList<JsonRegistry> Registries,
    IReadOnlyList<JsonOrphan> Orphans,
    bool OrphansComplete,
    IReadOnlyList<JsonRecommendation> Recommendations,
    JsonSummary Summary);

internal sealed record JsonTmux(string Status, string Server, string Detail, int Sessions, double DurationMs);

internal sealed record JsonGuard(bool Holds, bool Forced, int WouldTerminate, int ActiveAgents, string? Message);

internal sealed record JsonRegistry(
    string Path,
    string Kind,
    string? TaskId,
    string Status,
    bool Written,
    string? Error,
    IReadOnlyList<JsonZombie> Zombies,
    IReadOnlyList<string> FreshAgents,
    IReadOnlyList<JsonFinding> Findings,
    JsonCountChange? Counts)
{
    /// <summary>Audit lines (progress-file entries) that could not be appended after a write.</summary>
    public IReadOnlyList<string> AuditProblems { get; init; } = [];

    /// <summary>Agents whose ending the orchestrator overtook (their status changed before our write): left as it wrote them.</summary>
    public IReadOnlyList<string> Superseded { get; init; } = [];
}

/// <param name="Session">Its tmux session; empty for an agent that records none (judged by its process alone).</param>
/// <param name="Reason">What tmux showed (session_not_found, pane_dead) or, for an agent without a session, the
/// process table (process_not_found, process_exited, process_reused).</param>
/// <param name="Outcome">The status it is given: completed, failed or terminated.</param>
/// <param name="Terminated">Whether its ending was written.</param>
internal sealed record JsonZombie(string AgentId, string Session, string OldStatus, string Reason, string Outcome, JsonEvidence Evidence, bool Terminated)
{
    /// <summary>Its recorded process (claude_pid / cursor_pid) as this host showed it; null when it records none.</summary>
    public JsonProcess? Process { get; init; }
}

/// <param name="Pid">The recorded pid.</param>
/// <param name="State">running, not_found, exited, reused (runs, but started after the agent) or unreadable.</param>
/// <param name="StartedAt">When the process holding that pid started, for a running one.</param>
internal sealed record JsonProcess(int Pid, string State, DateTimeOffset? StartedAt);

/// <param name="Kind">stream_result, progress_report or none.</param>
internal sealed record JsonEvidence(string Kind, string? File, string? Detail);

internal sealed record JsonFinding(string Severity, string Code, string Message);

internal sealed record JsonCountChange(JsonCounts Before, JsonCounts After);

internal sealed record JsonCounts(long? Active, long? TotalSpawned, long? Completed);

internal sealed record JsonOrphan(string Session, DateTimeOffset? Created);

internal sealed record JsonRecommendation(string Severity, string Message);

internal sealed record JsonSummary(int Registries, int Healthy, int WithDiscrepancies, int Repaired, int Unchecked, int Errors, int Written, int Zombies, int Terminated, int Orphans);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JsonReport))]
internal sealed partial class JsonReportContext : JsonSerializerContext;
