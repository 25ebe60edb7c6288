using System.Collections.Immutable;
using RegistryController.Tmux;

namespace RegistryController.Reconcile;

/// <summary>What advice is based on: what is still wrong, and what a repair already did.</summary>
public sealed record AdviceFacts(
    TmuxView View,
    int Unreadable,
    int FailedWrites,
    int PendingZombies,
    int PendingCounts,
    int Terminated,
    int Repaired,
    ImmutableArray<Orphan> Orphans,
    GuardDecision Guard);
