using System.Collections.Immutable;
using RegistryController.Reconcile;
using RegistryController.Registry;

namespace RegistryController.Controller;

/// <summary>What a reconcile of one registry found and did; traces and logs are made from it.</summary>
public sealed record ReconcileResult(
    ReconcileOutcome Outcome,
    ImmutableArray<Zombie> Zombies,
    ImmutableArray<TerminateAgent> Terminated,
    CountSnapshot? Before,
    CountSnapshot? After,
    bool GuardHeld,
    TimeSpan? RequeueAfter,
    string? Error)
{
    public static ReconcileResult Forgotten { get; } = new(ReconcileOutcome.Forgotten, [], [], null, null, false, null, null);

    public static ReconcileResult Failed(string error) => new(ReconcileOutcome.Error, [], [], null, null, false, null, error);
}
