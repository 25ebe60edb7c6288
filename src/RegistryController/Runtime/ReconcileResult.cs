using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Runtime;

/// <summary>
/// What a reconcile of one registry found and did, in the manner of controller-runtime's Result: when
/// to look again (<see cref="RequeueAfter"/>) and which other keys must follow (<see cref="FollowUps"/>);
/// traces and logs are made from the rest.
/// </summary>
public sealed record ReconcileResult(
    ReconcileOutcome Outcome,
    ImmutableArray<Zombie> Zombies,
    ImmutableArray<EndAgent> Ended,
    CountSnapshot? Before,
    CountSnapshot? After,
    bool GuardHeld,
    TimeSpan? RequeueAfter,
    string? Error)
{
    /// <summary>Keys to reconcile next because of this one (a task's change → its global registry).</summary>
    public ImmutableArray<RegistryLocation> FollowUps { get; init; } = [];

    public static ReconcileResult Forgotten { get; } = new(ReconcileOutcome.Forgotten, [], [], null, null, false, null, null);

    public static ReconcileResult Failed(string error) => new(ReconcileOutcome.Error, [], [], null, null, false, null, error);
}
