using System.Collections.Concurrent;
using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// The controller's memory of one workspace, in the manner of an informer cache: the latest read
/// of every registry, so that a reconcile of one file can still judge workspace-wide facts
/// (orphans, the mass guard, the global counter) without re-reading the others.
/// </summary>
public sealed partial class WorkspaceCache(string root)
{
    private readonly ConcurrentDictionary<string, RegistrySnapshot> _registries = new(StringComparer.Ordinal);
    private readonly Lock _namedGate = new();
    private (IReadOnlySet<string> Sessions, bool Complete)? _named;

    public string Root { get; } = root;

    public int Count => _registries.Count;

    public void Update(RegistrySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_namedGate)
        {
            // Most updates change statuses, not which sessions a registry names: the set stays valid.
            if (!_registries.TryGetValue(snapshot.Path, out var previous) || !SameSessions(previous, snapshot))
            {
                _named = null;
            }

            _registries[snapshot.Path] = snapshot;
            // After the write: the guard's memo must not take the old snapshot for the new one.
            GuardTallyStale(snapshot.Path);
        }
    }

    public void Update(RegistryLocation location, RegistryModel model)
    {
        ArgumentNullException.ThrowIfNull(location);
        Update(RegistrySnapshot.Read(location.Path, location.Kind, location.TaskId, model));
    }

    /// <summary>
    /// Replaces everything known with one whole read (a 2026 workspace: every task of its database at once, or the
    /// database's failure), so that a task gone from the database is gone from the cache too.
    /// </summary>
    public void ReplaceAll(IReadOnlyCollection<RegistrySnapshot> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        lock (_namedGate)
        {
            var keep = snapshots.Select(s => s.Path).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _registries.Keys.Where(p => !keep.Contains(p)).ToList())
            {
                _registries.TryRemove(gone, out _);
                _named = null;
                GuardTallyStale(gone);
            }
        }

        foreach (var snapshot in snapshots)
        {
            Update(snapshot);
        }
    }

    /// <summary>Whether any readable registry names any of <paramref name="sessions"/>.</summary>
    public bool NamesAny(IReadOnlySet<string> sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var (named, _) = NamedSessions();
        return sessions.Overlaps(named);
    }

    public bool Forget(string path)
    {
        lock (_namedGate)
        {
            _named = null;
            var forgotten = _registries.TryRemove(path, out _);
            GuardTallyStale(path);
            return forgotten;
        }
    }

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
    /// <remarks>Kept until a registry's sessions change: building it walks every agent of the workspace.</remarks>
    public (IReadOnlySet<string> Sessions, bool Complete) NamedSessions()
    {
        lock (_namedGate)
        {
            if (_named is { } named)
            {
                return named;
            }

            var builder = new HashSet<string>(StringComparer.Ordinal);
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

            _named = (builder, complete);
            return _named.Value;
        }
    }

    private static bool SameSessions(RegistrySnapshot previous, RegistrySnapshot next) =>
        (previous.Model, next.Model) switch
        {
            (null, null) => true,
            ({ } a, { } b) => a.Agents.Select(x => x.TmuxSession).SequenceEqual(b.Agents.Select(x => x.TmuxSession), StringComparer.Ordinal),
            _ => false,
        };

    /// <summary>What a sqlite-2026 workspace's JSON registries name (adopted 2025 tasks), for its orphans.</summary>
    internal AdoptedSessionNames Adopted { get; } = new();

    /// <summary>The workspace's mass-guard hold, kept from reconcile to reconcile.</summary>
    public GuardHold Guard { get; } = new();
}
