using Microsoft.Extensions.Configuration;

namespace RegistryController.Controller;

/// <summary>How the long-running controller behaves (`registryctl run`).</summary>
public sealed record ControllerOptions
{
    public const string Section = "Controller";

    /// <summary>The documented key of <see cref="MaxViewAgeForTermination"/>.</summary>
    public const string MaxViewAgeKey = "MaxViewAge";

    /// <summary>How <see cref="GuardHold"/> is written when it holds until a person acts.</summary>
    public const string HoldForever = "never";

    /// <summary>How <see cref="KillOrphansAfter"/> is written when orphans are never killed.</summary>
    public const string NeverKill = "off";

    /// <summary>Reconciles running at once (never two on one registry).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>How often tmux is listed even without a push notification.</summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often every registry is reconciled regardless of events.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a tripped mass guard holds before the same verdict proceeds; null holds until a person acts.</summary>
    public TimeSpan? GuardHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>An active agent whose log/progress file has not changed for this long is reported as stuck (by `health` too: the judgement's <c>ReconcileOptions.StuckAfter</c> is filled from this).</summary>
    public TimeSpan StuckAfter { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Kill an agent_ session that has been an orphan of every watched workspace this long; null: never.</summary>
    public TimeSpan? KillOrphansAfter { get; init; }

    /// <summary>A termination is only decided on a tmux view at most this old; an older one is refreshed first.</summary>
    [ConfigurationKeyName(MaxViewAgeKey)]
    public TimeSpan MaxViewAgeForTermination { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long shutdown waits for the reconcile in flight.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The health (and metrics) listener, host:port.</summary>
    public string Listen { get; init; } = "127.0.0.1:8080";
}
