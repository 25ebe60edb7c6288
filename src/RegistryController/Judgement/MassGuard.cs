namespace RegistryController.Judgement;

/// <summary>
/// The mass-termination rule, in one place: terminating most of a workspace at once is far likelier a
/// crashed tmux server or a wrong socket than a mass death, so it needs a person (or time) to agree.
/// The words for people live with whoever tells them (the CLI's advice, the controller's log).
/// </summary>
internal static class MassGuard
{
    public static GuardDecision Decide(int wouldTerminate, int activeAgents, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var massive = wouldTerminate >= options.MassGuardMinimum && wouldTerminate > activeAgents * options.MassGuardFraction;
        return new GuardDecision(Holds: massive && !options.Force, Forced: massive && options.Force, wouldTerminate, activeAgents);
    }
}
