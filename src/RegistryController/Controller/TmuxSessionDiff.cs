using System.Collections.Immutable;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>Which sessions changed between two views (appeared, vanished, or their panes died or revived).</summary>
internal static class TmuxSessionDiff
{
    /// <summary>Changed session names, or null when the views differ in kind (then every registry may be affected).</summary>
    public static ImmutableHashSet<string>? Changed(TmuxView? previous, TmuxView current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (previous is null || previous.Status != current.Status)
        {
            return null;
        }

        if (previous.Sessions == current.Sessions)
        {
            // The same listing, seen again (TmuxCliViewSource keeps it): nothing changed.
            return [];
        }

        var changed = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var (name, session) in current.Sessions)
        {
            if (!previous.Sessions.TryGetValue(name, out var before) || before.AllPanesDead != session.AllPanesDead)
            {
                changed.Add(name);
            }
        }

        foreach (var name in previous.Sessions.Keys)
        {
            if (!current.Sessions.ContainsKey(name))
            {
                changed.Add(name);
            }
        }

        return changed.ToImmutable();
    }
}
