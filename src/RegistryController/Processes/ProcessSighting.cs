namespace RegistryController.Processes;

/// <summary>What the process table showed for a pid.</summary>
public enum ProcessState
{
    /// <summary>A process with that pid runs (any state but defunct).</summary>
    Running,

    /// <summary>No process has that pid.</summary>
    NotFound,

    /// <summary>The process has exited and waits for its parent to reap it (state Z or X): not alive.</summary>
    Exited,

    /// <summary>The process table could not be read for it (hidepid, no /proc, an unexpected format).</summary>
    Unreadable,
}

/// <summary>One look at a pid on this host.</summary>
/// <param name="StartedAt">When the process started, for a running one; null when unknown.</param>
/// <param name="Problem">Why it could not be read, for <see cref="ProcessState.Unreadable"/>.</param>
public sealed record ProcessSighting(int Pid, ProcessState State, DateTimeOffset? StartedAt = null, string? Problem = null);
