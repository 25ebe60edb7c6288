using System.Collections.Immutable;
using RegistryController.Registry;

namespace RegistryController.Judgement;

/// <summary>The judgement of one registry and the edits that would make it true.</summary>
public sealed record RegistryPlan(
    ImmutableArray<Zombie> Zombies,
    ImmutableArray<string> FreshAgents,
    ImmutableArray<Finding> Findings,
    ImmutableArray<RegistryEdit> Edits,
    CountSnapshot Before,
    CountSnapshot After)
{
    public bool HasEdits => !Edits.IsEmpty;
}
