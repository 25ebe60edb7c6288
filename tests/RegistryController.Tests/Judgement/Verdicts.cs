using System.Collections.Immutable;
using System.Globalization;
using RegistryController.Evidence;
using RegistryController.Judgement;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Tmux;

namespace RegistryController.Tests.Judgement;

/// <summary>
/// Builds the verdict's inputs as values (no files, no tmux): agents, registries, a tmux view and a
/// fixed clock in UTC, so that every test states its whole world in a few lines.
/// </summary>
internal static class Verdicts
{
    public const string Root = "/workspace";

    /// <summary>A fixed "now": 2025-10-17 22:00:00 UTC, in a UTC zone.</summary>
    public static readonly ClockReading Clock = new(new DateTimeOffset(2025, 10, 17, 22, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc);

    /// <summary>A naive timestamp an hour before <see cref="Clock"/>: far outside any grace period.</summary>
    public const string LongAgo = "2025-10-17T21:00:00.252741";

    /// <summary>The edit that ends a zombie as terminated, with no evidence but tmux's.</summary>
    public static EndAgent Terminated(string agentId, int index, string oldStatus, string reason, string timestamp) =>
        new(agentId, index, oldStatus, Ending.TerminatedStatus, reason, EndingEvidence.None.Describe(), timestamp);

    public static readonly ReconcileOptions Options = new();

    /// <summary>A naive orchestrator timestamp (as Python writes it) for <see cref="Clock"/> minus <paramref name="age"/>.</summary>
    public static string Ago(TimeSpan age) =>
        (Clock.Now - age).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>An agent of a task registry; its session is <c>agent_&lt;id&gt;</c> unless told otherwise.</summary>
    public static AgentRecord Agent(string id, string? status = "running", string? startedAt = LongAgo, string? session = "", string? lastUpdate = null) =>
        new(id, -1, status, session == "" ? "agent_" + id : session, startedAt, TaskId: null, LastUpdate: lastUpdate);

    /// <summary>
    /// A task registry read from <c>/workspace/&lt;taskId&gt;/AGENT_REGISTRY.json</c>. Counters default to
    /// what the agents' statuses say (a consistent file); pass a value to make one disagree.
    /// </summary>
    public static RegistrySnapshot TaskRegistry(string taskId, AgentRecord[] agents, long? activeCount = -1, long? totalSpawned = -1, long? completedCount = -1)
    {
        var indexed = agents.Select((a, i) => a with { Index = i, TaskId = taskId }).ToImmutableArray();
        var model = new RegistryModel(
            RegistryKind.Task,
            taskId,
            indexed,
            activeCount == -1 ? indexed.Count(a => Options.IsActive(a.Status)) : activeCount,
            totalSpawned == -1 ? indexed.Length : totalSpawned,
            completedCount == -1 ? indexed.Count(a => a.Status == "completed") : completedCount);
        return RegistrySnapshot.Read(Path.Combine(Root, taskId, "AGENT_REGISTRY.json"), RegistryKind.Task, taskId, model);
    }

    public static RegistrySnapshot TaskRegistry(string taskId, params AgentRecord[] agents) => TaskRegistry(taskId, agents, -1);

    /// <summary>A task registry that could not be read.</summary>
    public static RegistrySnapshot UnreadableTask(string taskId) =>
        RegistrySnapshot.Failed(Path.Combine(Root, taskId, "AGENT_REGISTRY.json"), RegistryKind.Task, taskId, "unexpected end of JSON");

    /// <summary>A global entry: keyed by id, with the task it belongs to and (only sometimes) a status.</summary>
    public static AgentRecord Entry(string id, string taskId, string? status = null, string? session = "") =>
        new(id, -1, status, session == "" ? "agent_" + id : session, LongAgo, taskId);

    /// <summary>The global registry, with <c>active_agents</c> as written (null: the file has none).</summary>
    public static RegistrySnapshot GlobalRegistry(long? activeAgents, params AgentRecord[] entries)
    {
        var model = new RegistryModel(RegistryKind.Global, null, [.. entries], activeAgents, entries.Length, null);
        return RegistrySnapshot.Read(Path.Combine(Root, "registry", "GLOBAL_REGISTRY.json"), RegistryKind.Global, null, model);
    }

    public static WorkspaceSnapshot WorkspaceOf(params RegistrySnapshot[] registries) => new(Root, [.. registries]);

    /// <summary>The registry with what its agents' files say of how they ended.</summary>
    public static RegistrySnapshot WithEvidence(this RegistrySnapshot registry, string agentId, StreamResult? result = null, ProgressReport? report = null) =>
        registry with { Evidence = registry.Evidence.SetItem(agentId, new AgentEvidence(result, report, [])) };

    /// <summary>The registry with what the process table showed for a pid.</summary>
    public static RegistrySnapshot WithProcess(this RegistrySnapshot registry, ProcessSighting sighting) =>
        registry with { Processes = registry.Processes.SetItem(sighting.Pid, sighting) };

    /// <summary>A running process that started <paramref name="before"/> <see cref="LongAgo"/> (negative: after it).</summary>
    public static ProcessSighting Running(int pid, TimeSpan before) =>
        new(pid, ProcessState.Running, Clock.Parse(LongAgo)!.Value - before);

    /// <summary>The last line of <c>logs/&lt;id&gt;_stream.jsonl</c>: Claude's result.</summary>
    public static StreamResult Result(string agentId, bool isError = false, string subtype = "success") =>
        new($"logs/{agentId}_stream.jsonl", isError, subtype);

    /// <summary>The agent's own terminal line in <c>progress/&lt;id&gt;_progress.jsonl</c>.</summary>
    public static ProgressReport Reported(string agentId, string status, string timestamp) =>
        new($"progress/{agentId}_progress.jsonl", status, "done", 100, timestamp);

    public static readonly DateTimeOffset SessionCreated = new(2025, 10, 17, 20, 0, 0, TimeSpan.Zero);

    /// <summary>A listed tmux server with these live sessions (one live pane each).</summary>
    public static TmuxView Listed(params string[] liveSessions) => Listed(liveSessions, []);

    /// <summary>A listed tmux server; <paramref name="deadSessions"/> have only dead panes (remain-on-exit).</summary>
    public static TmuxView Listed(IEnumerable<string> liveSessions, IEnumerable<string> deadSessions) => TmuxView.Listed(
        liveSessions.Select(s => new TmuxSession(s, SessionCreated, 1, 0))
            .Concat(deadSessions.Select(s => new TmuxSession(s, SessionCreated, 1, 1))),
        "socket /test/tmux.sock",
        TimeSpan.Zero);

    public static TmuxView NoServer() =>
        TmuxView.NoServer("socket /test/tmux.sock", "tmux: no server running on /test/tmux.sock", TimeSpan.Zero);

    public static TmuxView Broken() =>
        TmuxView.Broken("socket /test/tmux.sock", "tmux did not answer within 5 s", TimeSpan.Zero);

    public static WorkspaceVerdict Judge(WorkspaceSnapshot workspace, TmuxView view, ReconcileOptions? options = null, ReconcileScope? scope = null) =>
        Reconciler.Judge(workspace, view, Clock, options ?? Options, scope ?? ReconcileScope.Everything);

    public static RegistryPlan PlanOf(this WorkspaceVerdict verdict, string taskId) =>
        verdict.Registries.Single(v => v.Registry.Kind == RegistryKind.Task && v.Registry.TaskId == taskId).Plan
        ?? throw new InvalidOperationException($"task {taskId} has no plan");

    public static RegistryPlan GlobalPlan(this WorkspaceVerdict verdict) =>
        verdict.Registries.Single(v => v.Registry.Kind == RegistryKind.Global).Plan
        ?? throw new InvalidOperationException("the global registry has no plan");

    public static IEnumerable<RegistryEdit> AllEdits(this WorkspaceVerdict verdict) =>
        verdict.Registries.SelectMany(v => v.Plan?.Edits ?? []);

    public static IEnumerable<Zombie> AllZombies(this WorkspaceVerdict verdict) =>
        verdict.Registries.SelectMany(v => v.Plan?.Zombies ?? []);
}
