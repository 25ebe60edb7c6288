using System.Collections.Immutable;
using RegistryController.Registry;

namespace RegistryController.Store.Sqlite;

/// <summary>One <c>tasks</c> row with its <c>task_config.max_concurrent</c> (20 when absent, as the orchestrator defaults).</summary>
internal sealed record SqliteTaskRow(string TaskId, string? Status, int MaxConcurrent);

/// <summary>
/// Every task and every agent of one database, read in one transaction. The agents are the judgement's own records,
/// made as the rows are read (a row object and then a record was two objects per agent of a workspace): in
/// (task, agent) order, each with its task id and its place in its task's run of rows (the task's place, but for ids
/// that differ in bytes and read alike: <see cref="SqliteWorkspace.Snapshot"/> gathers those). Every column but the
/// key may be NULL.
/// </summary>
internal sealed record SqliteSnapshot(string DatabasePath, ImmutableArray<SqliteTaskRow> Tasks, ImmutableArray<AgentRecord> Agents);
