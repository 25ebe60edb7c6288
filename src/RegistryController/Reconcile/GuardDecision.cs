namespace RegistryController.Reconcile;

/// <summary>
/// The mass-termination guard: terminating most of a workspace at once is far likelier to be a
/// crashed tmux server or a wrong socket than a mass death, so it needs a person (or time) to agree.
/// </summary>
public sealed record GuardDecision(bool Holds, bool Forced, int WouldTerminate, int ActiveAgents, string? Message)
{
    public static GuardDecision Clear(int wouldTerminate, int activeAgents) => new(false, false, wouldTerminate, activeAgents, null);
}
