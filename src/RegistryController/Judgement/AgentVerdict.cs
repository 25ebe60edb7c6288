namespace RegistryController.Judgement;

/// <summary>What the judgement concluded about one agent.</summary>
internal enum AgentCondition
{
    /// <summary>Not in an active status: nothing to judge (finished, or a status the controller does not know).</summary>
    Inactive,

    /// <summary>Younger than the grace period: its session may not exist yet.</summary>
    Fresh,

    /// <summary>The tmux view cannot tell who lives.</summary>
    Unjudged,

    /// <summary>Records no session: its liveness cannot be checked.</summary>
    NoSession,

    /// <summary>Its session lives.</summary>
    Alive,

    /// <summary>Its session lives but its files have not changed for long (reported only).</summary>
    Stuck,

    /// <summary>An active status whose session is gone or dead.</summary>
    Zombie,
}

/// <summary>
/// The judgement of one agent: its condition, what it should become (for a zombie) and what a person
/// should be told.
/// </summary>
internal sealed record AgentVerdict(AgentCondition Condition, Zombie? Zombie, Finding? Finding);
