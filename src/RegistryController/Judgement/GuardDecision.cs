namespace RegistryController.Judgement;

/// <summary>What the <see cref="MassGuard"/> decided for one workspace.</summary>
/// <param name="Holds">Terminations wait.</param>
/// <param name="Forced">The guard tripped but the user said to proceed.</param>
public sealed record GuardDecision(bool Holds, bool Forced, int WouldTerminate, int ActiveAgents)
{
    public bool Tripped => Holds || Forced;
}
