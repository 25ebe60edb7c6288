namespace RegistryController.Judgement;

/// <summary>
/// An agent whose status says active but whose session is gone or dead, and what it becomes.
/// </summary>
/// <param name="Reason">What tmux showed: <see cref="ZombieReasons"/>.</param>
public sealed record Zombie(string AgentId, string Session, string OldStatus, string Reason)
{
    /// <summary>The status it is given, and why; terminated (no evidence) until evidence says otherwise.</summary>
    public Ending Ending { get; init; } = Ending.Terminated(Reason);
}
