using System.Collections.Immutable;
using RegistryController.Tmux;

namespace RegistryController.Judgement;

/// <summary>
/// The orphan rule, in one place: an <c>agent_</c> session of the tmux view that no agent of the
/// workspace names. Agents of every task count: a session named by any of them is not an orphan.
/// </summary>
public static class Orphans
{
    /// <summary>The prefix the orchestrator gives its agents' sessions; other sessions are the user's own.</summary>
    public const string AgentSessionPrefix = "agent_";

    public static bool IsAgentSession(string session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.StartsWith(AgentSessionPrefix, StringComparison.Ordinal);
    }

    /// <summary>The orphans of a listed view, by name; empty for a view that lists nothing.</summary>
    public static ImmutableArray<Orphan> Find(TmuxView view, IReadOnlySet<string> namedSessions) =>
        Find(view, namedSessions, bornBefore: null);

    /// <summary>
    /// The orphans of a listed view, sparing sessions younger than <paramref name="grace"/>: the 2026 orchestrator
    /// inserts an agent's row about 2 s after creating its session, so a deploying agent's session has no row yet.
    /// A session of unknown age is judged as before.
    /// </summary>
    public static ImmutableArray<Orphan> Find(TmuxView view, IReadOnlySet<string> namedSessions, ClockReading clock, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return Find(view, namedSessions, clock.Now - grace);
    }

    private static ImmutableArray<Orphan> Find(TmuxView view, IReadOnlySet<string> namedSessions, DateTimeOffset? bornBefore)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(namedSessions);
        return view.Status != TmuxViewStatus.Listed
            ? []
            : [.. view.Sessions.Values
                .Where(s => IsAgentSession(s.Name) && !namedSessions.Contains(s.Name) && !(s.Created > bornBefore))
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .Select(s => new Orphan(s.Name, s.Created))];
    }
}
