using RegistryController.Controller;
using RegistryController.Judgement;
using RegistryController.Kubernetes.Leadership;
using RegistryController.Locking;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Store.Sqlite;
using RegistryController.Tmux;

namespace Registryctl.Configuration;

/// <summary>Every section's options record, bound and validated (<see cref="SettingsLoader"/>).</summary>
public sealed record ResolvedSettings(
    string Workspace,
    TmuxOptions Tmux,
    ReconcileOptions Reconcile,
    LockOptions Lock,
    RegistryStoreOptions Store)
{
    public IReadOnlyList<string> Workspaces { get; init; } = [Workspace];

    public ControllerOptions Controller { get; init; } = new();

    public WorkQueueOptions Queue { get; init; } = new();

    public LogOptions Log { get; init; } = new();

    public TelemetryOptions Telemetry { get; init; } = new();

    /// <summary><c>Leader:*</c>; <see cref="LeaseOptions.Enabled"/>: only the Lease holder writes.</summary>
    public LeaseOptions Lease { get; init; } = new();

    /// <summary><c>Sqlite:*</c>: how the 2026 state database is read and repaired.</summary>
    public SqliteStoreOptions Sqlite { get; init; } = new();
}
