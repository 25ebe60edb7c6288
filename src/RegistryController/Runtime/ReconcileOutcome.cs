namespace RegistryController.Runtime;

/// <summary>How one reconcile of one registry ended.</summary>
public enum ReconcileOutcome
{
    /// <summary>Nothing to change; nothing written.</summary>
    Noop,

    /// <summary>Edits written.</summary>
    Repaired,

    /// <summary>The mass guard (or a broken tmux view) held the terminations back; requeued.</summary>
    Held,

    /// <summary>The file is gone; the controller forgot it.</summary>
    Forgotten,

    /// <summary>Could not read or write; requeued with back-off.</summary>
    Error,
}
