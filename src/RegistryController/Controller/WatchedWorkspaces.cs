using System.Collections.Immutable;
using RegistryController.Store;

namespace RegistryController.Controller;

/// <summary>The workspace roots one controller watches (absolute paths), each with the layout it had at start.</summary>
public sealed record WatchedWorkspaces(IReadOnlyList<string> Roots)
{
    // Decided once: the orchestrator creating state.sqlite3 under a running controller is an upgrade, which a
    // restart of the controller follows (a layout switched mid-run would judge half a workspace each way).
    private readonly ImmutableDictionary<string, StateLayout> _layouts =
        Roots.Distinct(StringComparer.Ordinal).ToImmutableDictionary(r => r, StateLayouts.Detect, StringComparer.Ordinal);

    public StateLayout LayoutOf(string root) => _layouts.GetValueOrDefault(root, StateLayout.Json2025);
}
