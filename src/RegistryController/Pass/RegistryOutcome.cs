using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Pass;

/// <summary>What a pass did to one registry in scope.</summary>
/// <param name="After">Counters as written, or as they would be (dry run), or as found when nothing changed.</param>
/// <param name="Applied">The edits written (or that would be written, on a dry run).</param>
public sealed record RegistryOutcome(
    RegistryVerdict Verdict,
    CountSnapshot? After,
    ImmutableArray<RegistryEdit> Applied,
    bool Written,
    string? Error)
{
    public RegistrySnapshot Registry => Verdict.Registry;

    /// <summary>Audit lines that could not be appended to progress files after the write.</summary>
    public ImmutableArray<string> AuditProblems { get; init; } = [];

    /// <summary>
    /// Agents whose ending was not written because the orchestrator changed their status between our read and our
    /// write (a compare-and-set that found another status): its write stands, and nothing is retried.
    /// </summary>
    public ImmutableArray<string> Superseded { get; init; } = [];

    /// <summary>Zombies whose ending was applied (or planned, on a dry run).</summary>
    public IEnumerable<EndAgent> Endings => Applied.OfType<EndAgent>();
}
