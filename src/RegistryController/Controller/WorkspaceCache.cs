using System.Collections.Concurrent;
using System.Collections.Immutable;
using RegistryController.Reconcile;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// The controller's memory of one workspace, in the manner of an informer cache: the latest read
/// of every registry, so that a reconcile of one file can still judge workspace-wide facts
/// (orphans, the mass guard, the global counter) without re-reading the others.
/// </summary>
public sealed class WorkspaceCache(string root)
{
    private readonly ConcurrentDictionary<string, RegistrySnapshot> _registries = new(StringComparer.Ordinal);
    private readonly Lock _guardGate = new();
    private GuardHoldState? _hold;

    public string Root { get; } = root;

    public int Count => _registries.Count;

    public void Update(RegistrySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _registries[snapshot.Path] = snapshot;
    }

    public void Update(RegistryLocation location, RegistryModel model)
    {
        ArgumentNullException.ThrowIfNull(location);
        Update(RegistrySnapshot.Read(location.Path, location.Kind, location.TaskId, model));
    }

    public bool Forget(string path) => _registries.TryRemove(path, out _);

    public RegistrySnapshot? Get(string path) => _registries.GetValueOrDefault(path);

    public bool Contains(string path) => _registries.ContainsKey(path);

    public WorkspaceSnapshot Snapshot() => new(Root, [.. _registries.Values.OrderBy(r => r.Path, StringComparer.Ordinal)]);

    public IEnumerable<RegistryLocation> Locations() =>
        _registries.Values.Select(r => new RegistryLocation(Root, r.Path, r.Kind, r.TaskId));

    /// <summary>The registries that name any of <paramref name="sessions"/>.</summary>
    public IEnumerable<RegistryLocation> NamingAny(IReadOnlySet<string> sessions) =>
        _registries.Values
            .Where(r => r.Model?.Agents.Any(a => a.TmuxSession is { } s && sessions.Contains(s)) == true)
            .Select(r => new RegistryLocation(Root, r.Path, r.Kind, r.TaskId));

    /// <summary>Every session any readable registry names, and whether all registries were readable.</summary>
    public (ImmutableHashSet<string> Sessions, bool Complete) NamedSessions()
    {
        var builder = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        var complete = true;
        foreach (var registry in _registries.Values)
        {
            complete &= registry.Model is not null;
            foreach (var agent in registry.Model?.Agents ?? [])
            {
                if (agent.TmuxSession is { } session)
                {
                    builder.Add(session);
                }
            }
        }

        return (builder.ToImmutable(), complete);
    }

    /// <summary>
    /// Records that the mass guard tripped on <paramref name="signature"/> (the zombies it would
    /// terminate) and says since when the same verdict has stood. A different verdict restarts the hold.
    /// </summary>
    public DateTimeOffset HoldSince(string signature, DateTimeOffset now)
    {
        lock (_guardGate)
        {
            if (_hold is null || _hold.Signature != signature)
            {
                _hold = new GuardHoldState(signature, now);
            }

            return _hold.Since;
        }
    }

    /// <summary>Whether a tripped guard is holding (or has held) a verdict that has not been cleared.</summary>
    public bool HoldActive
    {
        get
        {
            lock (_guardGate)
            {
                return _hold is not null;
            }
        }
    }

    public void ClearHold()
    {
        lock (_guardGate)
        {
            _hold = null;
        }
    }

    private sealed record GuardHoldState(string Signature, DateTimeOffset Since);
}
