namespace RegistryController.Tmux;

/// <summary>
/// The three outcomes of looking at tmux, kept apart because they license different actions:
/// only <see cref="Listed"/> and a believable <see cref="NoServer"/> may lead to terminations.
/// </summary>
public enum TmuxViewStatus
{
    /// <summary>The server answered with its sessions.</summary>
    Listed,

    /// <summary>No server runs on the selected socket, and the evidence makes that believable.</summary>
    NoServer,

    /// <summary>The view cannot be trusted: nothing may be concluded from it.</summary>
    Broken,
}
