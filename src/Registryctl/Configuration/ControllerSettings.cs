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

    /// <summary>`run` only: several workspaces (repeat --workspace). Empty means <see cref="Workspace"/>.</summary>
    public string[]? Workspaces { get; set; }

    public TmuxSettings Tmux { get; set; } = new();

    public ReconcileSettings Reconcile { get; set; } = new();

    public LockSettings Lock { get; set; } = new();

    public ControllerLoopSettings Controller { get; set; } = new();

    public LoggingSettings Log { get; set; } = new();

    public TelemetrySettings Telemetry { get; set; } = new();

    public LeaderSettings Leader { get; set; } = new();
}

public sealed class ControllerLoopSettings
{
    public int Workers { get; set; } = 2;

    public string ScanInterval { get; set; } = "10s";

    public string ResyncInterval { get; set; } = "5m";

    /// <summary>A duration, or "never" to hold until a person acts.</summary>
    public string GuardHold { get; set; } = "60s";

    public string StuckAfter { get; set; } = "15m";

    /// <summary>A duration, or "off".</summary>
    public string KillOrphansAfter { get; set; } = "off";

    public string MaxViewAge { get; set; } = "2s";

    public string ShutdownTimeout { get; set; } = "10s";

    public string QuietWindow { get; set; } = "50ms";

    public string MaxDelay { get; set; } = "500ms";

    public string BackoffBase { get; set; } = "200ms";

    public string BackoffMax { get; set; } = "30s";

    public string Listen { get; set; } = "127.0.0.1:8080";
}

public sealed class TelemetrySettings
{
    /// <summary>Print every span on stdout (local debugging); OTLP export is configured by OTEL_* variables.</summary>
    public bool Console { get; set; }
}

public sealed class LoggingSettings
{
    /// <summary>text or json.</summary>
    public string Format { get; set; } = "text";

    /// <summary>Trace, Debug, Information, Warning, Error.</summary>
    public string Level { get; set; } = "Information";
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
