using System.Collections.Immutable;
using RegistryController.Judgement;

namespace RegistryController.Controller;

/// <summary>
/// What a sqlite-2026 workspace's JSON registries name, remembered for <c>run</c>: the 2026 orchestrator writes them
/// once, at a task's creation (with no agents), so an adopted 2025 task's names change only when such a task is copied
/// in. They are read again when a session no row names was not yet asked about at the last complete read, and after a
/// resync (<see cref="Forget"/>); an incomplete read is never remembered. A workspace whose sessions all have rows
/// never reads them.
/// </summary>
internal sealed class AdoptedSessionNames
{
    private readonly Lock _gate = new();
    private (ImmutableHashSet<string> Asked, IReadOnlySet<string> Named)? _last;

    public async Task<(IReadOnlySet<string> Named, bool Complete)> GetAsync(
        IReadOnlySet<string> unnamed, Func<CancellationToken, Task<WorkspaceSnapshot>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unnamed);
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
        {
            if (_last is { } last && unnamed.IsSubsetOf(last.Asked))
            {
                return (last.Named, true);
            }
        }

        WorkspaceSnapshot json;
        try
        {
            json = await read(cancellationToken);
        }
        catch (IOException)
        {
            // The workspace itself could not be listed: any of its registries might name the sessions.
            return (ImmutableHashSet<string>.Empty, false);
        }

        var named = Reconciler.NamedSessions(json);
        var complete = json.Registries.All(r => r.Model is not null);
        if (complete)
        {
            lock (_gate)
            {
                _last = ([.. unnamed.Concat(_last?.Asked ?? [])], named);
            }
        }

        return (named, complete);
    }

    /// <summary>The next question reads the JSON again (a resync, a switch of layout).</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _last = null;
        }
    }
}
