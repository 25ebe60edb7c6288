using System.Collections.Immutable;

namespace RegistryController.Store.Sqlite;

/// <summary>One <c>agents</c> row, as far as a reconcile needs it. Every column but the key may be NULL.</summary>
internal sealed record SqliteAgentRow(
    string AgentId,
    string TaskId,
    string? Type,
    string? TmuxSession,
    string? Status,
    string? StartedAt,
    string? CompletedAt,
    string? LastUpdate,
    int? Progress,
    int? ClaudePid,
    int? CursorPid);

/// <summary>One <c>tasks</c> row with its <c>task_config.max_concurrent</c> (20 when absent, as the orchestrator defaults).</summary>
internal sealed record SqliteTaskRow(string TaskId, string? Status, int MaxConcurrent);

/// <summary>Every task and every agent of one database, read in one transaction.</summary>
internal sealed record SqliteSnapshot(string DatabasePath, ImmutableArray<SqliteTaskRow> Tasks, ImmutableArray<SqliteAgentRow> Agents);
