using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Pass;
using RegistryController.Registry;
using RegistryController.Tmux;

namespace Registryctl.Output;

/// <summary>What advice is based on: what is still wrong, and what a repair already did.</summary>
internal sealed record AdviceFacts(
    TmuxView View,
    int Unreadable,
    int FailedWrites,
    int PendingZombies,
    int PendingCounts,
    int Terminated,
    int Repaired,
    ImmutableArray<Orphan> Orphans,
    GuardDecision Guard)
{
    /// <summary>Whether a counter was rewritten (the 2026 layout stores none).</summary>
    public bool CountersWritten { get; init; }

    /// <summary>What is still wrong once the pass has run: what was found, less what was written.</summary>
    public static AdviceFacts Of(PassReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var verdict = report.Verdict;
        var outcomes = report.Outcomes;
        return new(
            verdict.Tmux,
            Unreadable: outcomes.Count(o => o.Registry.Error is not null),
            FailedWrites: outcomes.Count(o => o.Error is not null && o.Registry.Error is null),
            PendingZombies: outcomes.Sum(o => (o.Verdict.Plan?.Zombies.Length ?? 0) - (o.Written ? o.Endings.Count() : 0)),
            PendingCounts: outcomes.Where(o => !o.Written).Sum(o => o.Verdict.Plan?.Findings.Count(Reconciler.IsCountDiscrepancy) ?? 0),
            Terminated: outcomes.Where(o => o.Written).Sum(o => o.Endings.Count()),
            Repaired: outcomes.Count(o => o.Written),
            verdict.Orphans,
            verdict.Guard)
        {
            CountersWritten = outcomes.Any(o => o.Written && o.Applied.OfType<SetCounter>().Any()),
        };
    }
}
