using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace RegistryController.Telemetry;

/// <summary>
/// The controller's one ActivitySource and one Meter. Both are static, as the platform's own are:
/// with no listener, starting an activity returns null and recording a measurement costs a check.
/// </summary>
public static class RegistryTelemetry
{
    public const string Name = "RegistryController";

    public static readonly string Version = typeof(RegistryTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static readonly ActivitySource Source = new(Name, Version);

    public static readonly Meter Meter = new(Name, Version);

    // Second-valued histograms need sub-second buckets; the SDK's defaults (0, 5, 10, … 10000) suit milliseconds.
    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    };

    public static readonly Counter<long> Reconciles = Meter.CreateCounter<long>("registryctl.reconciles", "{reconcile}", "Reconciles by outcome");

    public static readonly Histogram<double> ReconcileDuration = Meter.CreateHistogram<double>("registryctl.reconcile.duration", "s", "How long one reconcile took", tags: null, advice: SecondsAdvice);

    public static readonly Counter<long> ZombiesTerminated = Meter.CreateCounter<long>("registryctl.zombies.terminated", "{agent}", "Zombie agents marked terminated");

    public static readonly Histogram<double> LockWait = Meter.CreateHistogram<double>("registryctl.lock.wait", "s", "How long a registry's flock took to get", tags: null, advice: SecondsAdvice);

    public static readonly Histogram<double> TmuxViewDuration = Meter.CreateHistogram<double>("registryctl.tmux.view.duration", "s", "How long one look at tmux took", tags: null, advice: SecondsAdvice);

    public static readonly Counter<long> TmuxViewFailures = Meter.CreateCounter<long>("registryctl.tmux.view.failures", "{view}", "Looks at tmux that gave a broken view");

    /// <summary>
    /// Starts a span with no parent, whatever is current: a reconcile and a look at tmux are roots of
    /// their own traces, related to what caused them by links. The caller's span, if any, becomes a link.
    /// </summary>
    public static Activity? StartRoot(string name, ActivityKind kind = ActivityKind.Internal, IEnumerable<ActivityContext>? links = null)
    {
        // Nobody listens in a one-shot command without an exporter: no span would start, so build no links for one.
        if (!Source.HasListeners())
        {
            return null;
        }

        var current = Activity.Current;
        var allLinks = (links ?? []).Where(l => l != default).Select(l => new ActivityLink(l)).ToList();
        if (current is not null)
        {
            allLinks.Add(new ActivityLink(current.Context));
        }

        Activity.Current = null;
        try
        {
            return Source.StartActivity(name, kind, default(ActivityContext), links: allLinks.Count == 0 ? null : allLinks.Take(32));
        }
        finally
        {
            // StartActivity made the new span current; the caller's context is restored by its own
            // async flow, this only undoes our clearing on this synchronous path.
            Activity.Current ??= current;
        }
    }

    /// <summary>Marks a span failed and records the exception (OpenTelemetry's exception event).</summary>
    public static void Fail(Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity?.AddException(exception);
    }

    /// <summary>Span names.</summary>
    public static class Spans
    {
        public const string Reconcile = "reconcile";
        public const string TmuxView = "tmux.view";
        public const string Lock = "registry.lock";
        public const string Read = "registry.read";
        public const string Write = "registry.write";
        public const string FileEvent = "file.event";
        public const string TmuxNotification = "tmux.notification";
        public const string AgentTerminated = "agent.terminated";
    }

    /// <summary>Attribute names (OpenTelemetry style: lower-case, dotted).</summary>
    public static class Attributes
    {
        public const string Path = "registry.path";
        public const string Kind = "registry.kind";
        public const string TaskId = "registry.task_id";
        public const string Workspace = "registry.workspace";
        public const string Trigger = "reconcile.trigger";
        public const string Outcome = "reconcile.outcome";
        public const string DryRun = "reconcile.dry_run";
        public const string GuardHeld = "reconcile.guard_held";
        public const string ZombiesFound = "reconcile.zombies.found";
        public const string ZombiesTerminated = "reconcile.zombies.terminated";
        public const string Orphans = "reconcile.orphans";
        public const string ActiveBefore = "registry.active.before";
        public const string ActiveAfter = "registry.active.after";
        public const string AgentId = "agent.id";
        public const string Session = "agent.session";
        public const string OldStatus = "agent.old_status";
        public const string Reason = "agent.termination_reason";
        public const string AgentOutcome = "agent.outcome";
        public const string Evidence = "agent.outcome_evidence";
        public const string LockAttempts = "lock.attempts";
        public const string LockWaitMs = "lock.wait_ms";
        public const string Bytes = "registry.bytes";
        public const string WriteGuarded = "registry.write.guarded";
        public const string TmuxStatus = "tmux.view.status";
        public const string TmuxSessions = "tmux.sessions";
        public const string TmuxServer = "tmux.server";
        public const string FileChange = "file.change";
    }
}
