
using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Tmux;

namespace RegistryController.Store;

/// <summary>Where a workspace keeps its agents' state: which orchestrator wrote it.</summary>
public enum StateLayout
{
    /// <summary>The 2025 orchestrator: task and global JSON registries are the state.</summary>
    Json2025,

    /// <summary>The 2026 orchestrator: <c>registry/state.sqlite3</c> is the state; its JSON registries are written once.</summary>
    Sqlite2026,
}

/// <summary>The one place that decides a workspace's layout.</summary>
public static class StateLayouts
{
    public const string DatabaseFileName = "state.sqlite3";

    public static string DatabasePath(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Path.Combine(root, RegistryDiscovery.GlobalRegistryDirectory, DatabaseFileName);
    }

    /// <summary>
    /// SQLite when anything stands at <c>registry/state.sqlite3</c>, even a broken file or a link: a damaged database
    /// must be reported as such, never make the workspace fall back to JSON registries the orchestrator no longer keeps.
    /// </summary>
    public static StateLayout Detect(string root) =>
        RegistryDiscovery.Stands(DatabasePath(root)) ? StateLayout.Sqlite2026 : StateLayout.Json2025;

    /// <summary>The layout's name in reports: <c>json-2025</c> or <c>sqlite-2026</c>.</summary>
    public static string Name(StateLayout layout) => layout switch
    {
        StateLayout.Sqlite2026 => "sqlite-2026",
        _ => "json-2025",
    };
}

/// <summary>
/// The sessions a sqlite-2026 workspace's JSON registries name (an adopted 2025 task not yet imported lists its agents
/// there only), and whether every registry could be read, asked about the sessions that no row names.
/// </summary>
internal delegate Task<(IReadOnlySet<string> Named, bool Complete)> AdoptedJsonNames(IReadOnlySet<string> unnamed, CancellationToken cancellationToken);

/// <summary>
/// The orphan rule of a sqlite-2026 workspace, one for <c>health</c> and <c>run</c>: an agent session that no row
/// names, past the grace by session age (a row appears about 2 s after its session), and that no adopted 2025 task's
/// JSON registry names either. The JSON is asked about only when some session is otherwise unnamed, so a workspace whose
/// sessions all have rows costs no JSON read; an unreadable JSON registry makes the list incomplete (nothing is killed
/// on it), as it would in a 2025 workspace.
/// </summary>
internal static class Sqlite2026Orphans
{
    /// <param name="isNamed">Whether a session is named otherwise: by the rows, or by any other watched workspace's registries.</param>
    /// <param name="grace">Null when no sqlite-2026 workspace is concerned (a 2025 orchestrator names a session first).</param>
    /// <param name="adopted">One per sqlite-2026 workspace concerned.</param>
    public static async Task<(ImmutableArray<Orphan> Orphans, bool Complete)> FindAsync(
        TmuxView view, Func<string, bool> isNamed, ClockReading clock, TimeSpan? grace, IReadOnlyList<AdoptedJsonNames> adopted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isNamed);
        ArgumentNullException.ThrowIfNull(adopted);
        var orphans = Find(view, isNamed, clock, grace);
        if (orphans.IsEmpty || adopted.Count == 0)
        {
            return (orphans, true);
        }

        var unnamed = orphans.Select(o => o.Session).ToImmutableHashSet(StringComparer.Ordinal);
        var complete = true;
        var json = new List<IReadOnlySet<string>>(adopted.Count);
        foreach (var source in adopted)
        {
            var (names, readable) = await source(unnamed, cancellationToken);
            json.Add(names);
            complete &= readable;
        }

        return (Find(view, NamedOtherwiseOrInJson, clock, grace), complete);

        bool NamedOtherwiseOrInJson(string session)
        {
            if (isNamed(session))
            {
                return true;
            }

            foreach (var names in json)
            {
                if (names.Contains(session))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static ImmutableArray<Orphan> Find(TmuxView view, Func<string, bool> isNamed, ClockReading clock, TimeSpan? grace) =>
        grace is { } g ? Orphans.Find(view, isNamed, clock, g) : Orphans.Find(view, isNamed);
}
