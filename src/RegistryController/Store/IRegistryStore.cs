using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Store;

/// <summary>Locked access to registry files.</summary>
public interface IRegistryStore
{
    /// <summary>Reads under a shared lock. Never throws for a bad file: the snapshot carries the error.</summary>
    Task<RegistrySnapshot> ReadAsync(RegistryLocation location, CancellationToken cancellationToken);

    /// <summary>
    /// Reads as <see cref="ReadAsync(RegistryLocation, CancellationToken)"/> does, unless <paramref name="known"/> (an
    /// earlier read of the same file) still holds what the file holds: then returns it as it is, without reading or
    /// parsing the file again. Never for a write: a write re-reads under its lock.
    /// </summary>
    Task<RegistrySnapshot> ReadAsync(RegistryLocation location, RegistrySnapshot? known, CancellationToken cancellationToken) =>
        ReadAsync(location, cancellationToken);

    /// <summary>
    /// Under the exclusive lock: re-reads, asks <paramref name="plan"/> for the edits against what is
    /// there now, writes them if any, and releases. <paramref name="plan"/> must be pure and quick:
    /// the orchestrator waits while the lock is held.
    /// </summary>
    Task<UpdateOutcome> UpdateAsync(RegistryLocation location, Func<RegistryModel, ImmutableArray<RegistryEdit>> plan, CancellationToken cancellationToken);
}
