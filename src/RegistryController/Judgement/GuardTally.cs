using System.Collections.Immutable;

namespace RegistryController.Judgement;

/// <summary>
/// What one registry adds to its workspace's mass guard: the agents it would terminate and how many of its agents
/// are active. The guard's verdict is the sum of these over the workspace (<see cref="MassGuard.Decide"/>).
/// </summary>
/// <param name="FreshUntil">
/// When the first of its fresh agents leaves its grace period (null: none is fresh): the first moment at which the
/// tally may change with nothing but time passing.
/// </param>
public sealed record GuardTally(ImmutableArray<string> Zombies, int Active, DateTimeOffset? FreshUntil)
{
    /// <summary>A registry that adds nothing: the global one, or a task registry that could not be read.</summary>
    public static GuardTally None { get; } = new([], 0, null);
}
