using RegistryController.Judgement;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Tmux;

namespace RegistryController.Store;

/// <summary>
/// Looks up the recorded processes (<c>claude_pid</c>, <c>cursor_pid</c>) of agents whose liveness is in question
/// (no session, or a session gone or dead), so that the judgement stays pure: a workspace whose agents' sessions
/// live, or whose rows record no pid (the usual case), costs no look at all.
/// </summary>
internal static class AgentProcessProbe
{
    public static WorkspaceSnapshot Probe(WorkspaceSnapshot workspace, TmuxView view, ClockReading clock, ReconcileOptions options, IProcessTable processes)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return workspace with { Registries = [.. workspace.Registries.Select(r => Probe(r, view, clock, options, processes))] };
    }

    public static RegistrySnapshot Probe(RegistrySnapshot registry, TmuxView view, ClockReading clock, ReconcileOptions options, IProcessTable processes)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(processes);
        ArgumentNullException.ThrowIfNull(options);
        if (registry is not { Kind: RegistryKind.Task, Model: { } model })
        {
            return registry;
        }

        var sightings = registry.Processes.ToBuilder();
        foreach (var agent in model.Agents)
        {
            // Only an active agent's processes are ever in question; most rows of a workspace are finished.
            if (!options.IsActive(agent.Status))
            {
                continue;
            }

            var state = AgentState.Of(agent, model.TaskId ?? string.Empty);
            if (AgentJudge.ProcessInQuestion(state, view, clock, options))
            {
                foreach (var pid in state.Pids.Where(pid => !sightings.ContainsKey(pid)))
                {
                    sightings[pid] = processes.Look(pid);
                }
            }
        }

        return sightings.Count == registry.Processes.Count ? registry : registry with { Processes = sightings.ToImmutable() };
    }
}
