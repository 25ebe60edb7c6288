using Microsoft.Extensions.Logging;
using RegistryController.Controller;
using RegistryController.Kubernetes.Leadership;
using RegistryController.Locking;
using RegistryController.Queue;
using RegistryController.Reconcile;
using RegistryController.Store;
using RegistryController.Tmux;

namespace Registryctl.Configuration;

/// <summary>Validated settings, as the engine's option records.</summary>
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

    public bool JsonLogs { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public bool ConsoleTraces { get; init; }

    /// <summary><c>Leader:Enabled</c>: only the Lease holder writes.</summary>
    public bool LeaderElect { get; init; }

    public LeaseOptions Lease { get; init; } = new();
}
