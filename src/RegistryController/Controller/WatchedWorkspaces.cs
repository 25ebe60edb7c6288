using System.Collections.Concurrent;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>
/// The workspace roots one controller watches (absolute paths), and the one owner of each root's current layout.
/// A root moves from json-2025 to sqlite-2026 at most once while the controller runs (a sidecar started before a fresh
/// 2026 orchestrator creates <c>registry/state.sqlite3</c>, or beside a 2025 install that is then upgraded), never
/// back: a database that disappears afterwards is a broken 2026 workspace to report, and its JSON registries, which
/// the 2026 orchestrator re-imports, must never be written again.
/// </summary>
public sealed class WatchedWorkspaces
{
    private readonly ConcurrentDictionary<string, StateLayout> _layouts;

    public WatchedWorkspaces(IReadOnlyList<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        Roots = roots;
        _layouts = new(roots.Distinct(StringComparer.Ordinal).Select(r => KeyValuePair.Create(r, StateLayouts.Detect(r))), StringComparer.Ordinal);
    }

    /// <summary>
    /// Raised once per root, by the <see cref="Refresh"/> call that saw it become sqlite-2026, on that caller's thread
    /// (after the new layout is visible to <see cref="LayoutOf"/>).
    /// </summary>
    public event Action<string>? Upgraded;

    public IReadOnlyList<string> Roots { get; }

    /// <summary>The layout as last decided (no file is looked at).</summary>
    public StateLayout LayoutOf(string root) => _layouts.GetValueOrDefault(root, StateLayout.Json2025);

    /// <summary>
    /// Looks again at a json-2025 root (one stat): it becomes sqlite-2026 when <c>registry/state.sqlite3</c> now
    /// stands. A sqlite-2026 root is not looked at. Returns the layout now.
    /// </summary>
    public StateLayout Refresh(string root)
    {
        if (!_layouts.TryGetValue(root, out var layout) || layout == StateLayout.Sqlite2026 || StateLayouts.Detect(root) != StateLayout.Sqlite2026)
        {
            return layout;
        }

        // Of callers racing on the same switch, one wins and tells the others' listeners once.
        if (_layouts.TryUpdate(root, StateLayout.Sqlite2026, StateLayout.Json2025))
        {
            Upgraded?.Invoke(root);
        }

        return StateLayout.Sqlite2026;
    }
}
