namespace RegistryController.Tmux;

/// <summary>Which tmux server to look at, and how patiently.</summary>
public sealed record TmuxOptions
{
    public const string Section = "Tmux";

    /// <summary>The tmux client binary (a path, or a name looked up on PATH).</summary>
    public string Binary { get; init; } = "tmux";

    /// <summary><c>-S PATH</c>: a full socket path. Wins over <see cref="SocketName"/>.</summary>
    public string? Socket { get; init; }

    /// <summary><c>-L NAME</c>: a socket name inside the socket directory.</summary>
    public string? SocketName { get; init; }

    /// <summary>Overrides <c>TMUX_TMPDIR</c> for the tmux client; null keeps the environment's.</summary>
    public string? TmpDir { get; init; }

    /// <summary>How long one tmux call may take before the view counts as broken.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <c>run</c> attaches a read-only control-mode client to hear of session deaths at once. tmux
    /// before the fix of tmux/tmux#4980 (3.3a, Debian 12's) can crash when a control client attaching
    /// is sent a notification while sessions churn; where that risk is not acceptable, turn this off and
    /// rely on the scan (<c>Controller:ScanInterval</c>).
    /// </summary>
    public bool ControlMode { get; init; } = true;
}
