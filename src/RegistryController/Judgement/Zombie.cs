namespace RegistryController.Judgement;

/// <summary>
/// An agent whose status says active but whose session is gone or dead, and what it becomes.
/// </summary>
/// <param name="Session">Its session; empty for an agent that records none (judged by its process alone).</param>
/// <param name="Reason">What tmux (or, without a session, the process table) showed: <see cref="ZombieReasons"/>.</param>
public sealed record Zombie(string AgentId, string Session, string OldStatus, string Reason)
{
    /// <summary>What the process table showed of its recorded process, when it records one and it was looked at.</summary>
    public ProcessJudgement? Process { get; init; }

    /// <summary>The status it is given, and why; terminated (no evidence) until evidence says otherwise.</summary>
    public Ending Ending { get; init; } = Ending.Terminated(Reason);
}
