namespace RegistryController.Judgement;

/// <summary>The <c>termination_reason</c> values the controller writes.</summary>
public static class ZombieReasons
{
    public const string SessionNotFound = "session_not_found";
    public const string PaneDead = "pane_dead";

    /// <summary>An agent with no session whose recorded process does not exist.</summary>
    public const string ProcessNotFound = "process_not_found";

    /// <summary>An agent with no session whose recorded process has exited (defunct, not yet reaped).</summary>
    public const string ProcessExited = "process_exited";

    /// <summary>An agent with no session whose recorded pid now belongs to a process started after it.</summary>
    public const string ProcessReused = "process_reused";
}
