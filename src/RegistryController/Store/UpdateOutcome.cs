using System.Collections.Immutable;
using RegistryController.Registry;

namespace RegistryController.Store;

/// <summary>What a locked update found and did.</summary>
/// <param name="Before">The model as read under the lock.</param>
/// <param name="After">The model as written (equal to <paramref name="Before"/> when nothing was written).</param>
public sealed record UpdateOutcome(
    RegistryModel Before,
    RegistryModel After,
    ImmutableArray<RegistryEdit> Applied,
    bool Written,
    int BytesWritten,
    LockStatistics Lock)
{
    /// <summary>Audit lines that could not be appended (the file and the reason); the write itself stands.</summary>
    public ImmutableArray<string> AuditProblems { get; init; } = [];
}

/// <summary>How long the lock took to get and how long it was held, for the benchmarks and traces.</summary>
public sealed record LockStatistics(int Attempts, TimeSpan Wait, TimeSpan Held);
