namespace Registryctl.Configuration;

/// <summary>
/// Everything configurable, as bound from appsettings.json, <c>REGISTRYCTL_</c> environment variables
/// and flags (in that order of precedence, flags last). Plain strings so that a bad value can be
/// reported with the setting's name instead of failing inside the binder.
/// </summary>
public sealed class ControllerSettings
{
    /// <summary>The workspace; defaults to $CLAUDE_ORCHESTRATOR_WORKSPACE, then ./.agent-workspace.</summary>
    public string? Workspace { get; set; }

    public TmuxSettings Tmux { get; set; } = new();

    public ReconcileSettings Reconcile { get; set; } = new();

    public LockSettings Lock { get; set; } = new();
}

public sealed class TmuxSettings
{
    public string Binary { get; set; } = "tmux";

    public string? Socket { get; set; }

    public string? SocketName { get; set; }

    public string? TmpDir { get; set; }

    public string Timeout { get; set; } = "5s";
}

public sealed class ReconcileSettings
{
    public string Grace { get; set; } = "30s";

    public string[]? ActiveStatuses { get; set; }

    public string[]? TerminalStatuses { get; set; }

    public int MassGuardMinimum { get; set; } = 5;

    public double MassGuardFraction { get; set; } = 0.5;
}

public sealed class LockSettings
{
    public string Timeout { get; set; } = "10s";

    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;
}
