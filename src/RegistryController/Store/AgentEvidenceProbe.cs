using System.Collections.Immutable;
using RegistryController.Evidence;
using RegistryController.Judgement;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Tmux;

namespace RegistryController.Store;

/// <summary>
/// Reads how agents ended, but only for those whose liveness is in question (session gone or dead):
/// a healthy workspace costs no evidence read at all, and a zombie costs the last line of two files.
/// Looks at the agents' recorded processes first (<see cref="AgentProcessProbe"/>): an agent kept alive by its own
/// process is not in question, so its files are not read.
/// </summary>
internal static class AgentEvidenceProbe
{
    public static WorkspaceSnapshot Probe(WorkspaceSnapshot workspace, TmuxView view, ClockReading clock, ReconcileOptions options, IProcessTable processes)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        // Each agent in question costs a few stats and the last lines of two files: spread over the cores as the reads are.
        var registries = workspace.Registries;
        var probed = new RegistrySnapshot[registries.Length];
        Cores.For(registries.Length, i => probed[i] = Probe(registries[i], view, clock, options, processes));
        return workspace with { Registries = [.. probed] };
    }

    public static RegistrySnapshot Probe(RegistrySnapshot registry, TmuxView view, ClockReading clock, ReconcileOptions options, IProcessTable processes)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        registry = AgentProcessProbe.Probe(registry, view, clock, options, processes);
        if (registry is not { Kind: RegistryKind.Task, Model: { } model } || registry.TaskDirectory is not { } taskDirectory)
        {
            return registry;
        }

        var evidence = ImmutableDictionary.CreateBuilder<string, AgentEvidence>(StringComparer.Ordinal);
        foreach (var agent in model.Agents)
        {
            // Only an active agent is ever in question; most rows of a workspace are finished.
            if (options.IsActive(agent.Status) && !evidence.ContainsKey(agent.Id) && AgentJudge.InQuestion(AgentState.Of(agent, model.TaskId ?? string.Empty) with { Processes = registry.Processes }, view, clock, options))
            {
                evidence[agent.Id] = Relative(AgentEvidenceReader.Read(taskDirectory, agent.Id, options.TerminalStatuses), taskDirectory);
            }
        }

        return evidence.Count == 0 ? registry : registry with { Evidence = evidence.ToImmutable() };
    }

    /// <summary>Files named as the orchestrator's layout names them (logs/…, archive/…): the same on every host and in every mount.</summary>
    private static AgentEvidence Relative(AgentEvidence evidence, string taskDirectory)
    {
        string Of(string file) => Path.IsPathRooted(file) ? Path.GetRelativePath(taskDirectory, file) : file;
        return evidence with
        {
            Result = evidence.Result is { } result ? result with { File = Of(result.File) } : null,
            TerminalReport = evidence.TerminalReport is { } report ? report with { File = Of(report.File) } : null,
        };
    }
}
