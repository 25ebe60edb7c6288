namespace RegistryController.Judgement;

/// <summary>The <c>termination_reason</c> values the controller writes.</summary>
public static class ZombieReasons
{
    public const string SessionNotFound = "session_not_found";
    public const string PaneDead = "pane_dead";
}
