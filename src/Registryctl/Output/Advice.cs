using System.Collections.Immutable;
using System.Globalization;
using RegistryController.Judgement;
using RegistryController.Tmux;

namespace Registryctl.Output;

/// <summary>
/// Recommendations with a severity: high for zombies and counts, medium for orphans, info when healthy.
/// Words for people live here, in the CLI: the judgement only states facts.
/// </summary>
internal static class Advice
{
    /// <summary>Why a tripped mass guard holds (or was overridden), and what a person can do.</summary>
    public static string? GuardMessage(GuardDecision guard, TmuxView view, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(options);
        if (!guard.Tripped)
        {
            return null;
        }

        var percent = (options.MassGuardFraction * 100).ToString("0", CultureInfo.InvariantCulture);
        var why = $"would terminate {guard.WouldTerminate} of the workspace's {guard.ActiveAgents} active agents (more than {percent}% and at least {options.MassGuardMinimum}). "
            + $"That is likelier a crashed tmux server or the wrong socket than a mass death; tmux: {view.Detail} ({view.Server}).";
        return guard.Forced
            ? why + " Proceeding because --force was given."
            : why + " Check the socket, then repeat with --force to proceed.";
    }

    public static ImmutableArray<Recommendation> For(AdviceFacts facts, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var list = ImmutableArray.CreateBuilder<Recommendation>();
        static string Plural(int n, string one, string many) => n == 1 ? one : many;

        if (facts.View.Status == TmuxViewStatus.Broken)
        {
            list.Add(new Recommendation(Severity.High, $"The tmux view is broken ({facts.View.Detail}); no agent was judged alive or dead and nothing was written. Fix the tmux selection (--tmux-socket, --tmux-socket-name, TMUX_TMPDIR) and run again."));
        }

        if (facts.Unreadable > 0)
        {
            list.Add(new Recommendation(Severity.High, $"{facts.Unreadable} {Plural(facts.Unreadable, "registry", "registries")} could not be read and {Plural(facts.Unreadable, "was", "were")} left untouched: fix or restore {Plural(facts.Unreadable, "it", "them")}."));
        }

        if (facts.FailedWrites > 0)
        {
            list.Add(new Recommendation(Severity.High, $"{facts.FailedWrites} {Plural(facts.FailedWrites, "registry", "registries")} could not be repaired (see the errors above); run repair again once the cause is gone."));
        }

        if (facts.Guard.Holds)
        {
            list.Add(new Recommendation(Severity.High, $"Mass-termination guard: {GuardMessage(facts.Guard, facts.View, options)}"));
        }
        else if (facts.PendingZombies > 0)
        {
            list.Add(new Recommendation(Severity.High, $"{facts.PendingZombies} zombie {Plural(facts.PendingZombies, "agent holds an active slot", "agents hold active slots")}; `registryctl repair` ends {Plural(facts.PendingZombies, "it", "them")} (completed or failed where its files tell, else terminated)."));
        }

        if (facts.PendingCounts > 0)
        {
            list.Add(new Recommendation(Severity.High, $"{facts.PendingCounts} counter or global-mirror {Plural(facts.PendingCounts, "mismatch", "mismatches")}; `registryctl repair` recomputes them."));
        }

        if (!facts.Orphans.IsEmpty)
        {
            var n = facts.Orphans.Length;
            list.Add(new Recommendation(Severity.Medium, $"{n} tmux {Plural(n, "session", "sessions")} named agent_* {Plural(n, "belongs", "belong")} to no registry: inspect with `tmux attach -t NAME`, remove with `tmux kill-session -t NAME`."));
        }

        if (facts.Repaired > 0)
        {
            list.Add(new Recommendation(Severity.Info, $"Repaired {facts.Repaired} {Plural(facts.Repaired, "registry", "registries")}: {facts.Terminated} {Plural(facts.Terminated, "zombie", "zombies")} ended{(facts.CountersWritten ? ", counters recomputed" : string.Empty)}."));
        }

        if (list.Count == 0)
        {
            list.Add(new Recommendation(Severity.Info, "Healthy: every active agent has a live session and every counter matches."));
        }

        return list.ToImmutable();
    }
}
