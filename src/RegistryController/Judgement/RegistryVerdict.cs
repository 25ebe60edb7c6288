namespace RegistryController.Judgement;

/// <summary>A registry in scope and its plan (null when it could not be read).</summary>
public sealed record RegistryVerdict(RegistrySnapshot Registry, RegistryPlan? Plan)
{
    public bool IsHealthy => Registry.Error is null && Plan is not null
        && Plan.Zombies.IsEmpty && !Plan.HasEdits && Plan.Findings.All(f => f.Severity <= Severity.Low);
}
