using RegistryController.Processes;

namespace RegistryController.Judgement;

/// <summary>What an agent's recorded processes say of its liveness.</summary>
public enum ProcessLife
{
    /// <summary>It records no pid: only tmux can tell.</summary>
    NoneRecorded,

    /// <summary>A recorded process runs and is the agent's own (it started no later than the agent).</summary>
    Alive,

    /// <summary>Every recorded process is gone, has exited, or its pid now belongs to a later process.</summary>
    Gone,

    /// <summary>A pid is recorded but its process was not looked at or could not be read.</summary>
    Unknown,
}

/// <summary>The agent's process life, with the sighting that decided it and, for a gone one, the termination reason.</summary>
public sealed record ProcessJudgement(ProcessLife Life, ProcessSighting? Sighting, string? Reason)
{
    public static ProcessJudgement NoneRecorded { get; } = new(ProcessLife.NoneRecorded, null, null);

    /// <summary>
    /// How much later than <c>started_at</c> a process may seem to start and still be the agent's: its start is known to
    /// within a second (the boot time in <c>/proc/stat</c> is whole seconds) and the wall clock may have been stepped
    /// a little between the orchestrator's write and our look.
    /// </summary>
    public static readonly TimeSpan StartTolerance = TimeSpan.FromSeconds(2);

    /// <summary>
    /// One process that runs and is the agent's keeps the agent alive; all gone make it gone; anything unread or
    /// unreadable leaves it unknown. A pid whose process started after the agent (pid reuse) is the agent's no more.
    /// Without a readable <c>started_at</c> or process start, reuse cannot be told: the running process is given the
    /// benefit of the doubt.
    /// </summary>
    public static ProcessJudgement Of(AgentState agent, ClockReading clock)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(clock);
        if (agent.Pids.IsEmpty)
        {
            return NoneRecorded;
        }

        var started = clock.Parse(agent.StartedAt);
        ProcessJudgement? gone = null;
        ProcessJudgement? unknown = null;
        foreach (var pid in agent.Pids)
        {
            if (!agent.Processes.TryGetValue(pid, out var sighting))
            {
                unknown ??= new(ProcessLife.Unknown, null, null);
                continue;
            }

            switch (sighting.State)
            {
                case ProcessState.Running when started is { } s && sighting.StartedAt is { } p && p > s + StartTolerance:
                    gone ??= new(ProcessLife.Gone, sighting, ZombieReasons.ProcessReused);
                    break;
                case ProcessState.Running:
                    return new(ProcessLife.Alive, sighting, null);
                case ProcessState.NotFound:
                    gone ??= new(ProcessLife.Gone, sighting, ZombieReasons.ProcessNotFound);
                    break;
                case ProcessState.Exited:
                    gone ??= new(ProcessLife.Gone, sighting, ZombieReasons.ProcessExited);
                    break;
                default:
                    unknown ??= new(ProcessLife.Unknown, sighting, null);
                    break;
            }
        }

        return unknown ?? gone!;
    }

    /// <summary>The process in a few words, for findings: "process 4242 does not exist".</summary>
    public string Describe(ClockReading clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return (Sighting, Reason) switch
        {
            (null, _) => "its recorded process was not looked at",
            ({ } s, ZombieReasons.ProcessNotFound) => $"its process {s.Pid} does not exist",
            ({ } s, ZombieReasons.ProcessExited) => $"its process {s.Pid} has exited",
            ({ } s, ZombieReasons.ProcessReused) => $"its pid {s.Pid} now belongs to a process started at {Local(s.StartedAt, clock)}, after the agent (pid reused)",
            ({ State: ProcessState.Unreadable } s, _) => $"its process {s.Pid} cannot be checked ({s.Problem})",
            ({ } s, _) => $"its process {s.Pid} runs (started {Local(s.StartedAt, clock)})",
        };
    }

    private static string Local(DateTimeOffset? at, ClockReading clock) => at is { } t
        ? TimeZoneInfo.ConvertTime(t, clock.Zone).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
        : "an unknown time";
}
