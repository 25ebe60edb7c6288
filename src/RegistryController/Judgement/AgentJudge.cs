using RegistryController.Evidence;
using RegistryController.Tmux;

namespace RegistryController.Judgement;

/// <summary>
/// The rule for one agent, in one place: whichever store the agent comes from, the same facts (its
/// status and start, its session in the tmux view, its files' activity) give the same verdict.
/// </summary>
internal static class AgentJudge
{
    // Most agents of a workspace are finished, and a new one is fresh for its grace: those verdicts carry nothing of the
    // agent, so one instance of each serves every agent.
    private static readonly AgentVerdict Inactive = new(AgentCondition.Inactive, null, null);
    private static readonly AgentVerdict Fresh = new(AgentCondition.Fresh, null, null);

    /// <summary>
    /// The verdict of an agent whose status is not active, from its status alone; null for an active agent, whose
    /// verdict needs the whole of its <see cref="AgentState"/>. Most agents of a workspace are finished: judged this
    /// way, they cost no state record.
    /// </summary>
    public static AgentVerdict? OfInactive(string id, string? status, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsActive(status))
        {
            return null;
        }

        // A status in neither set (an agent's own word such as "in_progress") drops the agent out of
        // the orchestrator's counts: a person should know, but only the orchestrator may change it.
        return status is { } unknown && !options.IsTerminal(unknown)
            ? new(AgentCondition.Inactive, null, new Finding(Severity.Medium, FindingCodes.UnknownStatus, $"agent {id} has status \"{unknown}\", which is neither active nor finished: the orchestrator counts it nowhere and nothing checks its session (reported only, never changed)"))
            : Inactive;
    }

    public static AgentVerdict Judge(AgentState agent, TmuxView view, ClockReading clock, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);

        if (OfInactive(agent.Id, agent.Status, options) is { } inactive)
        {
            return inactive;
        }

        if (IsFresh(agent, clock, options))
        {
            return Fresh;
        }

        var process = ProcessJudgement.Of(agent, clock);
        if (agent.Session is not { Length: > 0 } session)
        {
            // An agent without tmux (the cursor backend ran its agents as plain child processes) is judged by its
            // process alone, whatever tmux's state: no session means tmux has nothing to say about it.
            return process.Life switch
            {
                ProcessLife.Alive => Living(agent, clock, options),
                ProcessLife.Gone => Dead(agent, string.Empty, process.Reason!, process, clock, options, $"agent {agent.Id} is {agent.Status} and records no tmux session, and {process.Describe(clock)}"),
                _ when !view.CanJudgeLiveness => new(AgentCondition.Unjudged, null, null),
                _ => new(AgentCondition.NoSession, null, new Finding(Severity.Medium, FindingCodes.NoSessionRecorded, process.Life == ProcessLife.Unknown
                    ? $"agent {agent.Id} is {agent.Status} but records no tmux_session, and {process.Describe(clock)}: its liveness cannot be checked"
                    : $"agent {agent.Id} is {agent.Status} but records no tmux_session: its liveness cannot be checked")),
            };
        }

        if (!view.CanJudgeLiveness)
        {
            return new(AgentCondition.Unjudged, null, null);
        }

        string? reason = view.Sessions.TryGetValue(session, out var live)
            ? (live.AllPanesDead ? ZombieReasons.PaneDead : null)
            : ZombieReasons.SessionNotFound;
        if (reason is null)
        {
            return Living(agent, clock, options);
        }

        if (process.Life == ProcessLife.Alive)
        {
            // The orchestrator's health daemon calls such an agent dead (it asks tmux first), but its process runs and
            // is the agent's own: it still works and writes its files, and ending it would free its slot for a second
            // agent on the same work. A process outlives its session when the tmux server dies under an agent that
            // ignores SIGHUP, or when it was started outside tmux; once it ends, the next pass finds a zombie.
            return new(AgentCondition.Alive, null, new Finding(Severity.Medium, FindingCodes.ProcessOutlivesSession, $"agent {agent.Id} is {agent.Status} and its session {session} {(reason == ZombieReasons.PaneDead ? "has only dead panes" : "does not exist")}, but {process.Describe(clock)} and is the agent's own: left alone until it ends"));
        }

        // A gone or unreadable process adds nothing to a gone session (the orchestrator's own liveness signal) but the
        // report's detail: only a live process of the agent's own spares it.
        var said = $"agent {agent.Id} is {agent.Status} but its session {session} {(reason == ZombieReasons.PaneDead ? "has only dead panes" : "does not exist")}"
            + (process.Life == ProcessLife.NoneRecorded ? string.Empty : $", and {process.Describe(clock)}");
        return Dead(agent, session, reason, process, clock, options, said);
    }

    private static AgentVerdict Living(AgentState agent, ClockReading clock, ReconcileOptions options) =>
        options.StuckAfter is { } stuckAfter && agent.LastActive is { } lastActive && clock.Now - lastActive > stuckAfter
            ? new(AgentCondition.Stuck, null, new Finding(Severity.Medium, FindingCodes.Stuck, $"agent {agent.Id} is {agent.Status} and {(agent.Session is { Length: > 0 } ? "its session lives" : "its process runs")}, but its log and progress files have not changed for {(int)(clock.Now - lastActive).TotalMinutes} min (reported only)"))
            : new(AgentCondition.Alive, null, null);

    private static AgentVerdict Dead(AgentState agent, string session, string reason, ProcessJudgement process, ClockReading clock, ReconcileOptions options, string message)
    {
        var zombie = new Zombie(agent.Id, session, agent.Status!, reason)
        {
            Ending = EndingOf(agent, reason, clock, options),
            Process = process.Life == ProcessLife.NoneRecorded ? null : process,
        };
        return new(AgentCondition.Zombie, zombie, new Finding(Severity.High, FindingCodes.Zombie, message));
    }

    /// <summary>
    /// Whether the agent's liveness is in question: active, out of its grace period, and either its session gone or
    /// dead in a view that can tell, or (with no session) its recorded process gone; in both cases not kept alive by a
    /// process of its own. Only then is its evidence worth reading. Its processes must have been looked at first
    /// (<see cref="ProcessInQuestion"/>).
    /// </summary>
    public static bool InQuestion(AgentState agent, TmuxView view, ClockReading clock, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsActive(agent.Status) || IsFresh(agent, clock, options))
        {
            return false;
        }

        var life = ProcessJudgement.Of(agent, clock).Life;
        return agent.Session is { Length: > 0 } session
            ? SessionGone(view, session) && life != ProcessLife.Alive
            : life == ProcessLife.Gone;
    }

    /// <summary>
    /// Whether the agent's recorded processes are worth a look in the process table: it records a pid, is active and
    /// out of its grace period, and has no session, or a session gone or dead in a view that can tell. An agent whose
    /// session lives costs no look.
    /// </summary>
    public static bool ProcessInQuestion(AgentState agent, TmuxView view, ClockReading clock, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        return !agent.Pids.IsEmpty
            && options.IsActive(agent.Status)
            && !IsFresh(agent, clock, options)
            && (agent.Session is not { Length: > 0 } session || SessionGone(view, session));
    }

    private static bool SessionGone(TmuxView view, string session) =>
        view.CanJudgeLiveness && (!view.Sessions.TryGetValue(session, out var live) || live.AllPanesDead);

    /// <summary>
    /// How a zombie ended, from the best evidence: the agent's own terminal report in its progress file
    /// (the orchestrator's word, appended before anything else of a completion), else the last line of
    /// Claude's stream log (<c>is_error</c> decides, not <c>subtype</c>), else nothing but tmux's:
    /// terminated. A report older than the agent's start belongs to an earlier run of that id.
    /// </summary>
    private static Ending EndingOf(AgentState agent, string reason, ClockReading clock, ReconcileOptions options)
    {
        if (agent.Evidence?.TerminalReport is { } report && options.IsTerminal(report.Status) && IsOfThisRun(report, agent, clock))
        {
            var evidence = new EndingEvidence(EndingEvidence.ProgressReport, report.File, report.Status);
            // Only a killed agent has a termination reason; one that reported completion or failure was not killed.
            return report.Status is Ending.TerminatedStatus or "killed"
                ? new Ending(report.Status, reason, evidence)
                : new Ending(report.Status, null, evidence);
        }

        if (agent.Evidence?.Result is { } result)
        {
            return new Ending(result.IsError ? "failed" : "completed", null, new EndingEvidence(EndingEvidence.StreamResult, result.File, result.Subtype));
        }

        return Ending.Terminated(reason);
    }

    private static bool IsOfThisRun(ProgressReport report, AgentState agent, ClockReading clock) =>
        clock.Parse(agent.StartedAt) is not { } started
        || (clock.Parse(report.Timestamp) is { } reported && reported >= started);

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
        FreshUntil(agent, clock, options) is not null;

    /// <summary>
    /// When the agent's grace period ends, if it is in it now (null: it is not): until then it is spared as fresh.
    /// Only the passing of time changes that, and only from fresh to not fresh.
    /// </summary>
    public static DateTimeOffset? FreshUntil(AgentState agent, ClockReading clock, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        // A started_at in the future (clock skew, a time-zone mix-up) counts as fresh: when unsure, spare the agent.
        return clock.Parse(agent.StartedAt) is { } started && clock.Now - started < options.Grace ? started + options.Grace : null;
    }

    /// <summary>
    /// Whether every agent's verdict is the same on <paramref name="a"/> as on <paramref name="b"/>: a view is used
    /// only for whether it can judge liveness, which sessions it lists and whether all of a session's panes are dead.
    /// A new look at an unchanged tmux server is then no reason to judge anything again.
    /// </summary>
    public static bool SameLiveness(TmuxView a, TmuxView b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        return a.CanJudgeLiveness == b.CanJudgeLiveness
            && a.Sessions.Count == b.Sessions.Count
            && a.Sessions.All(s => b.Sessions.TryGetValue(s.Key, out var other) && other.AllPanesDead == s.Value.AllPanesDead);
    }
}
