using Microsoft.Extensions.Logging;
using RegistryController.Cluster;
using RegistryController.Judgement;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// The mass guard over time for one workspace, for both layouts: the verdict's guard observed by the workspace's
/// <see cref="GuardHold"/>, and a person told once per change of phase. When it trips, terminations wait; if the same
/// verdict still stands after <c>Controller:GuardHold</c> they proceed with a warning, which is what lets a real tmux
/// crash heal itself while a wrong socket does no damage in the first minute.
/// </summary>
internal sealed partial class WorkspaceGuard(ControllerOptions options, IEventSink events, ILogger logger)
{
    /// <summary>Where the guard stands after <paramref name="verdict"/> (judged on the whole workspace).</summary>
    public GuardStep Observe(WorkspaceCache cache, WorkspaceVerdict verdict, TmuxView view, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(verdict);
        return Observe(cache, verdict.Guard, verdict.Registries.SelectMany(r => r.Plan?.Zombies ?? []).Select(z => z.AgentId), view, now);
    }

    /// <summary>Where the guard stands after <paramref name="guard"/>, decided on the whole workspace, would terminate <paramref name="zombies"/>.</summary>
    public GuardStep Observe(WorkspaceCache cache, GuardDecision guard, IEnumerable<string> zombies, TmuxView view, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(guard);
        var step = cache.Guard.Observe(guard, zombies, now, options.GuardHold);
        if (step.Changed)
        {
            // Said once per hold, not once per reconcile: a workspace of a thousand task registries would otherwise
            // log (and publish) the same verdict a thousand times.
            Announce(cache.Root, step.Phase, guard, view);
        }

        return step;
    }

    private void Announce(string root, GuardPhase phase, GuardDecision guard, TmuxView view)
    {
        switch (phase)
        {
            case GuardPhase.Holding:
                var message = $"would terminate {guard.WouldTerminate} of {guard.ActiveAgents} active agents at once, likelier a crashed tmux server or a wrong socket ({view.Detail}, {view.Server}) than a mass death; holding for {DescribeHold()}";
                LogGuardHolding(root, message);
                events.Publish(new ControllerEvent(ControllerEventType.Warning, EventReasons.MassTerminationHeld, message));
                break;
            case GuardPhase.Proceeding:
                LogGuardProceeding(root, guard.WouldTerminate, guard.ActiveAgents, options.GuardHold ?? TimeSpan.Zero);
                break;
            default:
                LogGuardCleared(root);
                break;
        }
    }

    private string DescribeHold() => options.GuardHold is { } hold
        ? $"{hold.TotalSeconds:0.#} s (Controller:GuardHold) before the same verdict proceeds"
        : "good (Controller:GuardHold is never): a person must act";

    [LoggerMessage(Level = LogLevel.Error, Message = "Mass-termination guard holds in {Workspace}: {Message}")]
    private partial void LogGuardHolding(string workspace, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mass-termination guard in {Workspace}: the same verdict ({WouldTerminate} of {ActiveAgents} active agents) has stood for {Hold}; proceeding")]
    private partial void LogGuardProceeding(string workspace, int wouldTerminate, int activeAgents, TimeSpan hold);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mass-termination guard in {Workspace} no longer trips; the hold is over")]
    private partial void LogGuardCleared(string workspace);
}
