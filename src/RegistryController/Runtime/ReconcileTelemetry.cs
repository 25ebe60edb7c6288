using System.Collections.Immutable;
using System.Diagnostics;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;
using RegistryController.Telemetry;

namespace RegistryController.Runtime;

/// <summary>What every reconcile (in `run` or in a CLI pass) puts on its span and into the metrics.</summary>
internal static class ReconcileTelemetry
{
    public static Activity? Start(RegistryLocation location, string trigger, bool dryRun, IEnumerable<ActivityContext>? causes = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        var activity = RegistryTelemetry.StartRoot(RegistryTelemetry.Spans.Reconcile, links: causes);
        if (activity is not null)
        {
            activity.SetTag(RegistryTelemetry.Attributes.Path, location.Path);
            activity.SetTag(RegistryTelemetry.Attributes.Kind, KindName(location));
            activity.SetTag(RegistryTelemetry.Attributes.TaskId, location.TaskId);
            activity.SetTag(RegistryTelemetry.Attributes.Workspace, location.WorkspaceRoot);
            activity.SetTag(RegistryTelemetry.Attributes.Trigger, trigger);
            activity.SetTag(RegistryTelemetry.Attributes.DryRun, dryRun);
        }

        return activity;
    }

    public static void Record(
        RegistryLocation location,
        Activity? activity,
        ReconcileOutcome outcome,
        ImmutableArray<Zombie> zombies,
        ImmutableArray<EndAgent> terminated,
        CountSnapshot? before,
        CountSnapshot? after,
        bool guardHeld,
        string? error,
        TimeSpan duration,
        int? orphans = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        var outcomeName = outcome.ToString().ToLowerInvariant();
        var tags = new TagList
        {
            { RegistryTelemetry.Attributes.Outcome, outcomeName },
            { RegistryTelemetry.Attributes.Kind, KindName(location) },
            { RegistryTelemetry.Attributes.Workspace, location.WorkspaceRoot },
        };
        RegistryTelemetry.Reconciles.Add(1, tags);
        RegistryTelemetry.ReconcileDuration.Record(duration.TotalSeconds, tags);
        foreach (var t in terminated)
        {
            RegistryTelemetry.ZombiesTerminated.Add(
                1,
                new KeyValuePair<string, object?>(RegistryTelemetry.Attributes.Reason, ReasonOf(t, zombies)),
                new KeyValuePair<string, object?>(RegistryTelemetry.Attributes.AgentOutcome, t.NewStatus),
                new KeyValuePair<string, object?>(RegistryTelemetry.Attributes.Workspace, location.WorkspaceRoot));
        }

        if (activity is null)
        {
            return;
        }

        activity.SetTag(RegistryTelemetry.Attributes.Outcome, outcomeName);
        activity.SetTag(RegistryTelemetry.Attributes.ZombiesFound, zombies.Length);
        activity.SetTag(RegistryTelemetry.Attributes.ZombiesTerminated, terminated.Length);
        activity.SetTag(RegistryTelemetry.Attributes.GuardHeld, guardHeld);
        activity.SetTag(RegistryTelemetry.Attributes.ActiveBefore, before?.Active);
        activity.SetTag(RegistryTelemetry.Attributes.ActiveAfter, after?.Active);
        if (orphans is { } count)
        {
            activity.SetTag(RegistryTelemetry.Attributes.Orphans, count);
        }

        foreach (var t in terminated)
        {
            activity.AddEvent(new ActivityEvent(RegistryTelemetry.Spans.AgentTerminated, tags: new ActivityTagsCollection
            {
                { RegistryTelemetry.Attributes.AgentId, t.AgentId },
                { RegistryTelemetry.Attributes.Session, zombies.FirstOrDefault(z => z.AgentId == t.AgentId)?.Session },
                { RegistryTelemetry.Attributes.OldStatus, t.OldStatus },
                { RegistryTelemetry.Attributes.Reason, ReasonOf(t, zombies) },
                { RegistryTelemetry.Attributes.AgentOutcome, t.NewStatus },
                { RegistryTelemetry.Attributes.Evidence, t.Evidence },
            }));
        }

        if (outcome == ReconcileOutcome.Error && activity.Status != ActivityStatusCode.Error)
        {
            activity.SetStatus(ActivityStatusCode.Error, error);
        }
    }

    public static void LinkView(Activity? activity, Tmux.TmuxView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        // A reconcile woken by a tmux change already links to the look that saw it (as its cause).
        if (view.Trace != default && activity is not null && !activity.Links.Any(l => l.Context == view.Trace))
        {
            activity.AddLink(new ActivityLink(view.Trace));
        }
    }

    /// <summary>What tmux showed (the session gone, or its panes dead), whatever status the evidence gave.</summary>
    private static string? ReasonOf(EndAgent end, ImmutableArray<Zombie> zombies) =>
        end.TerminationReason ?? zombies.FirstOrDefault(z => z.AgentId == end.AgentId)?.Reason;

    // A 2026 workspace is one key, its state database: "database", beside a JSON layout's "task" and "global".
    private static string KindName(RegistryLocation location) =>
        location.Layout == StateLayout.Sqlite2026 ? "database" : location.Kind == RegistryKind.Task ? "task" : "global";
}
