using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Store;

namespace RegistryController.Pass;

/// <summary>Everything one pass over a workspace found and did.</summary>
public sealed record PassReport(PassMode Mode, WorkspaceVerdict Verdict, ImmutableArray<RegistryOutcome> Outcomes, TimeSpan Duration)
{
    /// <summary>Where the workspace keeps its state: JSON registries (2025) or <c>registry/state.sqlite3</c> (2026).</summary>
    public StateLayout Layout { get; init; } = StateLayout.Json2025;

    public bool AnyError => Outcomes.Any(o => o.Error is not null);

    public bool AnyDiscrepancy =>
        Verdict.Guard.Holds
        || !Verdict.Orphans.IsEmpty
        || Outcomes.Any(o => o.Verdict.Plan is { } plan && (!plan.Zombies.IsEmpty || plan.HasEdits || plan.Findings.Any(f => f.Severity >= Severity.Medium)));
}
