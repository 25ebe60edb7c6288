using System.Collections.Immutable;

namespace RegistryController.Store.Sqlite;

/// <summary>
/// One repair: move <paramref name="AgentId"/> from the status it was judged in to <paramref name="ToStatus"/>,
/// only if it is still in <paramref name="FromStatus"/>. <paramref name="Timestamp"/> is naive local ISO
/// (<c>datetime.now().isoformat()</c>), never with an offset; <paramref name="Message"/> is the reason, written to
/// <c>agent_progress_latest.message</c>. Progress becomes 100 exactly when <paramref name="ToStatus"/> is
/// <c>completed</c>, as the orchestrator's <c>update_agent_status</c> decides.
/// </summary>
internal sealed record SqliteTransition(string TaskId, string AgentId, string FromStatus, string ToStatus, string Timestamp, string Message);

/// <summary>
/// What one <see cref="SqliteStateStore.ApplyAsync"/> did: <see cref="Superseded"/> are the transitions whose agent
/// was no longer in <c>FromStatus</c> (or gone) when we held the lock; the orchestrator's write stood.
/// <see cref="LockHeld"/> is how long we held the write lock.
/// </summary>
internal sealed record SqliteApplyResult(ImmutableArray<SqliteTransition> Applied, ImmutableArray<SqliteTransition> Superseded, TimeSpan LockHeld);
