namespace RegistryController.Generation;

/// <summary>How many agents of each kind one generated task holds.</summary>
/// <param name="Live">Active, with a live session.</param>
/// <param name="Zombie">Active, session gone.</param>
/// <param name="Fresh">Active, started within the grace period, no session yet.</param>
/// <param name="DeadPane">Active, session alive but its pane's process exited.</param>
/// <param name="Completed">Terminal, session gone (as the orchestrator leaves them).</param>
public sealed record AgentMix(int Live, int Zombie, int Fresh = 0, int DeadPane = 0, int Completed = 0)
{
    public int Total => Live + Zombie + Fresh + DeadPane + Completed;
}
