namespace RegistryController.Runtime;

/// <summary>Why a registry was queued: traces and logs say which source asked.</summary>
public enum Trigger
{
    Startup,
    File,
    Tmux,
    Scan,
    Resync,
    Retry,
    Cli,
}
