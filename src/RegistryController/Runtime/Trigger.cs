namespace RegistryController.Runtime;

/// <summary>Why a registry was queued: traces and logs say which source asked. The periodic scan asks through tmux's source (<see cref="Tmux"/>).</summary>
public enum Trigger
{
    Startup,
    File,
    Tmux,
    Resync,
    Retry,
    Cli,
}
