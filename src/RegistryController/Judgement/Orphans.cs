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
    public static ImmutableArray<Orphan> Find(TmuxView view, IReadOnlySet<string> namedSessions)
    {
        ArgumentNullException.ThrowIfNull(namedSessions);
        return Find(view, namedSessions.Contains, bornBefore: null);
    }

    /// <summary>
    /// The orphans of a listed view, where <paramref name="isNamed"/> says whether any agent names a session: the
    /// sessions of several workspaces are asked of each workspace's own set rather than copied into one.
    /// </summary>
    public static ImmutableArray<Orphan> Find(TmuxView view, Func<string, bool> isNamed) =>
        Find(view, isNamed, bornBefore: null);

    /// <summary>
    /// The orphans of a listed view, sparing sessions younger than <paramref name="grace"/>: the 2026 orchestrator
    /// inserts an agent's row about 2 s after creating its session, so a deploying agent's session has no row yet.
    /// A session of unknown age is judged as before.
    /// </summary>
    public static ImmutableArray<Orphan> Find(TmuxView view, Func<string, bool> isNamed, ClockReading clock, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return Find(view, isNamed, clock.Now - grace);
    }

    private static ImmutableArray<Orphan> Find(TmuxView view, Func<string, bool> isNamed, DateTimeOffset? bornBefore)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(isNamed);
        return view.Status != TmuxViewStatus.Listed
            ? []
            : [.. view.Sessions.Values
                .Where(s => IsAgentSession(s.Name) && !isNamed(s.Name) && !(s.Created > bornBefore))
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .Select(s => new Orphan(s.Name, s.Created))];
    }
}
