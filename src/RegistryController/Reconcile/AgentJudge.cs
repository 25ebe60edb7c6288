using RegistryController.Tmux;

namespace RegistryController.Reconcile;

/// <summary>
/// The rule for one agent, in one place: whichever store the agent comes from, the same facts (its
/// status and start, its session in the tmux view, its files' activity) give the same verdict.
/// </summary>
public static class AgentJudge
{
    public static AgentVerdict Judge(AgentState agent, TmuxView view, ClockReading clock, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);

        if (!options.IsActive(agent.Status))
        {
            // A status in neither set (an agent's own word such as "in_progress") drops the agent out of
            // the orchestrator's counts: a person should know, but only the orchestrator may change it.
            return agent.Status is { } unknown && !options.IsTerminal(unknown)
                ? new(AgentCondition.Inactive, null, new Finding(Severity.Medium, FindingCodes.UnknownStatus, $"agent {agent.Id} has status \"{unknown}\", which is neither active nor finished: the orchestrator counts it nowhere and nothing checks its session (reported only, never changed)"))
                : new(AgentCondition.Inactive, null, null);
        }

        if (IsFresh(agent, clock, options))
        {
            return new(AgentCondition.Fresh, null, null);
        }

        if (!view.CanJudgeLiveness)
        {
            return new(AgentCondition.Unjudged, null, null);
        }

        if (agent.Session is not { Length: > 0 } session)
        {
            return new(AgentCondition.NoSession, null, new Finding(Severity.Medium, FindingCodes.NoSessionRecorded, $"agent {agent.Id} is {agent.Status} but records no tmux_session: its liveness cannot be checked"));
        }

        string? reason = view.Sessions.TryGetValue(session, out var live)
            ? (live.AllPanesDead ? ZombieReasons.PaneDead : null)
            : ZombieReasons.SessionNotFound;
        if (reason is null)
        {
            return options.StuckAfter is { } stuckAfter && agent.LastActive is { } lastActive && clock.Now - lastActive > stuckAfter
                ? new(AgentCondition.Stuck, null, new Finding(Severity.Medium, FindingCodes.Stuck, $"agent {agent.Id} is {agent.Status} and its session lives, but its log and progress files have not changed for {(int)(clock.Now - lastActive).TotalMinutes} min (reported only)"))
                : new(AgentCondition.Alive, null, null);
        }

        var zombie = new Zombie(agent.Id, session, agent.Status!, reason);
        return new(AgentCondition.Zombie, zombie, new Finding(Severity.High, FindingCodes.Zombie, $"agent {agent.Id} is {agent.Status} but its session {session} {(reason == ZombieReasons.PaneDead ? "has only dead panes" : "does not exist")}"));
    }

    /// <summary>
    /// When a fresh agent's grace period ends (a little past it), if it has no live session now: the
    /// moment it must be judged again, since nothing else would wake it.
    /// </summary>
    public static TimeSpan? GraceEndsIn(AgentState agent, TmuxView view, ClockReading clock, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsActive(agent.Status)
            || !IsFresh(agent, clock, options)
            || (agent.Session is { Length: > 0 } session && view.Sessions.TryGetValue(session, out var live) && !live.AllPanesDead)
            || clock.Parse(agent.StartedAt) is not { } started)
        {
            return null;
        }

        var left = started + options.Grace - clock.Now + GraceMargin;
        return left < GraceMargin ? GraceMargin : left;
    }

    // A little past the end, so that the next look finds the agent out of its grace period.
    private static readonly TimeSpan GraceMargin = TimeSpan.FromMilliseconds(50);

    private static bool IsFresh(AgentState agent, ClockReading clock, ReconcileOptions options) =>
        // A started_at in the future (clock skew, a time-zone mix-up) counts as fresh: when unsure, spare the agent.
        clock.Parse(agent.StartedAt) is { } started && clock.Now - started < options.Grace;
}
