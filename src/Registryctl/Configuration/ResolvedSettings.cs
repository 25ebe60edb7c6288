using RegistryController.Locking;
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
    RegistryStoreOptions Store);
