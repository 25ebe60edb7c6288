using System.Collections.Immutable;
using RegistryController.Evidence;
using RegistryController.Processes;
using RegistryController.Registry;
using RegistryController.Tmux;

namespace RegistryController.Judgement;

/// <summary>
/// The pure heart of the controller: (registries, tmux view, clock, options) → verdict and edits.
/// No I/O happens here, so the same function judges a whole workspace from a snapshot and
/// re-judges one file under its lock from what is there now.
/// </summary>
public static class Reconciler
{
    public static WorkspaceVerdict Judge(WorkspaceSnapshot workspace, TmuxView view, ClockReading clock, ReconcileOptions options, ReconcileScope scope)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scope);

        // Each task registry is planned on its own facts alone, so the plans are made across the cores, as the reads are.
        var tasks = workspace.Registries.Where(r => r is { Kind: RegistryKind.Task, Model: not null } && scope.Includes(r)).ToArray();
        var plans = new RegistryPlan[tasks.Length];
        Cores.For(tasks.Length, i => plans[i] = PlanTask(tasks[i].Model!, view, clock, options, activity: tasks[i].Activity, evidence: tasks[i].Evidence, processes: tasks[i].Processes));

        var activeAgents = ActiveAgents.Count(workspace.Registries.Where(r => r.Kind == RegistryKind.Task).Select(r => r.Model), options);
        var guard = MassGuard.Decide(plans.Sum(p => p.Zombies.Length), activeAgents, options);
        if (guard.Holds)
        {
            Cores.For(tasks.Length, i => plans[i] = PlanTask(tasks[i].Model!, view, clock, options, ImmutableHashSet<string>.Empty, tasks[i].Activity, tasks[i].Evidence, tasks[i].Processes));
        }

        // The global registry mirrors the task registries as they will be once this pass is done.
        var after = new RegistryModel[tasks.Length];
        Cores.For(tasks.Length, i => after[i] = RegistryEditor.ApplyToModel(tasks[i].Model!, plans[i].Edits));
        var (tasksNow, unreadableTasks) = IndexTasks(workspace);
        var tasksAfter = new Dictionary<string, RegistryModel>(tasksNow, StringComparer.Ordinal);
        // By reference: each registry is its own snapshot, and a record's hash would go through all of its fields.
        var taskPlans = new Dictionary<RegistrySnapshot, RegistryPlan>(tasks.Length, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < tasks.Length; i++)
        {
            taskPlans[tasks[i]] = plans[i];
            tasksAfter[TaskKey(tasks[i])] = after[i];
        }

        var verdicts = ImmutableArray.CreateBuilder<RegistryVerdict>();
        foreach (var registry in workspace.Registries.Where(scope.Includes))
        {
            var plan = registry switch
            {
                { Model: null } => null,
                { Kind: RegistryKind.Task } => taskPlans[registry],
                _ => PlanGlobal(registry.Model, tasksNow, tasksAfter, unreadableTasks, options),
            };
            verdicts.Add(new RegistryVerdict(registry, plan));
        }

        var orphans = Orphans.Find(view, NamedSessions(workspace, view));
        // An unreadable registry might name any of them; with no server there is nothing to miss.
        var complete = view.Status == TmuxViewStatus.NoServer || (view.Status == TmuxViewStatus.Listed && workspace.Registries.All(r => r.Model is not null));
        return new WorkspaceVerdict(workspace.Root, view, verdicts.ToImmutable(), orphans, complete, guard);
    }

    /// <summary>
    /// What one registry adds to the mass guard of <see cref="Judge"/> (scope: everything): its task plan's zombies
    /// and its active agents, so that the guard's verdict can be summed from registries judged one at a time, each
    /// only when it (or the view) changed. Judges exactly as <see cref="Judge"/> does before its guard decides.
    /// </summary>
    public static GuardTally TallyGuard(RegistrySnapshot registry, TmuxView view, ClockReading clock, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        if (registry is not { Kind: RegistryKind.Task, Model: { } model })
        {
            return GuardTally.None;
        }

        var plan = PlanTask(model, view, clock, options, activity: registry.Activity, evidence: registry.Evidence, processes: registry.Processes);
        var freshUntil = model.Agents
            .Where(a => options.IsActive(a.Status))
            .Select(a => AgentJudge.FreshUntil(AgentState.Of(a, model.TaskId ?? string.Empty), clock, options))
            .Min();
        return new GuardTally([.. plan.Zombies.Select(z => z.AgentId)], ActiveAgents.Count([model], options), freshUntil);
    }

    /// <summary>Every session named by an agent of the workspace, in any registry.</summary>
    /// <remarks>A plain set, built once and only read: an immutable one cost a tree node per agent of the workspace.</remarks>
    public static IReadOnlySet<string> NamedSessions(WorkspaceSnapshot workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        // Sized for every agent at once: grown by doubling, a set of 20,000 sessions (40,000 entries with a global
        // registry's copies) rehashed them all at each step, on the one thread the judgement has left at that point.
        var named = new HashSet<string>(workspace.Registries.Sum(r => r.Model?.Agents.Length ?? 0), StringComparer.Ordinal);
        foreach (var registry in workspace.Registries)
        {
            foreach (var agent in registry.Model?.Agents ?? [])
            {
                if (agent.TmuxSession is { } session)
                {
                    named.Add(session);
                }
            }
        }

        return named;
    }

    /// <summary>
    /// The sessions of <paramref name="view"/> that an agent of the workspace names: all that the orphan rule asks of
    /// the workspace, in a set the size of the view (1,000 sessions) rather than of every agent (40,000 entries with a
    /// global registry's copies: 0.8 MB that a pass's allocations are otherwise spared).
    /// </summary>
    public static IReadOnlySet<string> NamedSessions(WorkspaceSnapshot workspace, TmuxView view)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(view);
        var listed = view.Sessions;
        var registries = workspace.Registries;
        // Each registry's named sessions across the cores (a look per agent: 40,000 with a global registry's copies,
        // the last walk of every agent in a pass), then one set of the few that tmux lists.
        var found = new List<string>?[registries.Length];
        Cores.For(registries.Length, i =>
        {
            foreach (var agent in registries[i].Model?.Agents ?? [])
            {
                if (agent.TmuxSession is { } session && listed.ContainsKey(session))
                {
                    (found[i] ??= []).Add(session);
                }
            }
        });

        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sessions in found)
        {
            named.UnionWith(sessions ?? []);
        }

        return named;
    }

    /// <summary>A finding that `repair` resolves by rewriting a counter or a global entry.</summary>
    public static bool IsCountDiscrepancy(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return finding.Severity == Severity.High && finding.Code is FindingCodes.ActiveCountMismatch or FindingCodes.GlobalOutOfStep;
    }

    /// <summary>
    /// The task registries by task id (the file's <c>task_id</c>, else its directory's name), and the
    /// ids of those that could not be read.
    /// </summary>
    public static (Dictionary<string, RegistryModel> Tasks, HashSet<string> Unreadable) IndexTasks(WorkspaceSnapshot workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var tasks = new Dictionary<string, RegistryModel>(StringComparer.Ordinal);
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var registry in workspace.Registries.Where(r => r.Kind == RegistryKind.Task))
        {
            if (registry.Model is null)
            {
                unreadable.Add(TaskKey(registry));
            }
            else
            {
                tasks[TaskKey(registry)] = registry.Model;
            }
        }

        return (tasks, unreadable);
    }

    public static string TaskKey(RegistrySnapshot registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Model?.TaskId ?? registry.TaskId ?? registry.Path;
    }

    /// <summary>
    /// Judges one task registry. <paramref name="allowedTerminations"/> limits which zombies may be
    /// terminated: under the lock only those the workspace verdict (and its guard) approved.
    /// <paramref name="activity"/> holds when each agent's tracked files last changed (for stuck agents),
    /// <paramref name="processes"/> what the process table showed of recorded pids (for agents in question).
    /// </summary>
    public static RegistryPlan PlanTask(
        RegistryModel model,
        TmuxView view,
        ClockReading clock,
        ReconcileOptions options,
        IReadOnlySet<string>? allowedTerminations = null,
        IReadOnlyDictionary<string, DateTimeOffset>? activity = null,
        IReadOnlyDictionary<string, AgentEvidence>? evidence = null,
        IReadOnlyDictionary<int, ProcessSighting>? processes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);

        var zombies = ImmutableArray.CreateBuilder<Zombie>();
        var fresh = ImmutableArray.CreateBuilder<string>();
        var findings = ImmutableArray.CreateBuilder<Finding>();

        AgentVerdict JudgeActive(AgentRecord agent, AgentEvidence? read) => AgentJudge.Judge(
            AgentState.Of(agent, model.TaskId ?? string.Empty, activity is not null && activity.TryGetValue(agent.Id, out var lastActive) ? lastActive : null, read, processes),
            view,
            clock,
            options);

        var edits = ImmutableArray.CreateBuilder<RegistryEdit>();
        var now = clock.NowAsPythonIsoformat();
        var active = 0;
        var terminated = 0;

        foreach (var agent in model.Agents)
        {
            // A bad log is no reason to stop: the agent ends on what else is known, and a person is told (of every
            // entry with the id whose evidence was read: ids may repeat in a task registry).
            var read = evidence?.GetValueOrDefault(agent.Id);
            foreach (var problem in read?.Problems ?? [])
            {
                findings.Add(new Finding(Severity.Low, FindingCodes.EvidenceUnreadable, $"agent {agent.Id}: {problem.File}: {problem.Problem}"));
            }

            var verdict = AgentJudge.OfInactive(agent.Id, agent.Status, options) ?? JudgeActive(agent, read);
            if (verdict.Finding is { } finding)
            {
                findings.Add(finding);
            }

            if (verdict.Condition == AgentCondition.Inactive)
            {
                continue;
            }

            active++;
            if (verdict.Condition == AgentCondition.Fresh)
            {
                fresh.Add(agent.Id);
            }

            if (verdict.Zombie is not { } zombie)
            {
                continue;
            }

            zombies.Add(zombie);
            if (allowedTerminations is null || allowedTerminations.Contains(agent.Id))
            {
                var ending = zombie.Ending;
                edits.Add(new EndAgent(agent.Id, agent.Index, zombie.OldStatus, ending.Status, ending.TerminationReason, ending.Evidence.Describe(), now));
                terminated++;
            }
        }

        var activeAfter = active - terminated;
        PlanActiveCount(model, active, activeAfter, findings, edits);
        AddHistoryFindings(model, findings);
        var before = CountSnapshot.Of(model);
        return new RegistryPlan(
            zombies.ToImmutable(),
            fresh.ToImmutable(),
            findings.ToImmutable(),
            edits.ToImmutable(),
            before,
            before with { Active = model.ActiveCount is null ? null : activeAfter });
    }

    /// <summary>
    /// Judges the global registry against the task registries: findings against them as they are
    /// now (<paramref name="tasksNow"/>), edits against them as they will be once this pass is done
    /// (<paramref name="tasksAfter"/>). A task whose registry could not be read makes the
    /// workspace-wide counter unknowable: it is then reported, not rewritten.
    /// </summary>
    public static RegistryPlan PlanGlobal(
        RegistryModel global,
        IReadOnlyDictionary<string, RegistryModel> tasksNow,
        IReadOnlyDictionary<string, RegistryModel> tasksAfter,
        IReadOnlySet<string> unreadableTasks,
        ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(tasksNow);
        ArgumentNullException.ThrowIfNull(tasksAfter);
        ArgumentNullException.ThrowIfNull(unreadableTasks);
        ArgumentNullException.ThrowIfNull(options);

        // Each entry is planned on its own against its task: the entries are planned across the cores in runs, whose
        // findings and edits are then taken in the entries' order, as one loop would have made them. This is the one
        // part of a pass's judgement that waits for every task's plan, so nothing else runs beside it.
        var runs = global.Agents.Length < EntriesPerRun ? 1 : Environment.ProcessorCount * 4;
        var parts = new GlobalEntries[runs];
        Cores.For(runs, run =>
        {
            var part = parts[run] = new GlobalEntries();
            var (first, end) = (global.Agents.Length * run / runs, global.Agents.Length * (run + 1) / runs);
            for (var i = first; i < end; i++)
            {
                var entry = global.Agents[i];
                if (entry.TaskId is not { } taskId || !tasksAfter.TryGetValue(taskId, out var task))
                {
                    // Task directories are cleaned up while the global registry keeps its history.
                    if (entry.TaskId is null || !unreadableTasks.Contains(entry.TaskId))
                    {
                        part.MissingTasks.Add(entry.TaskId ?? "(none)");
                        part.MissingAgents++;
                    }

                    continue;
                }

                PlanGlobalEntry(entry, taskId, task, tasksNow, options, part.Findings, part.Edits);
            }
        });

        var findings = ImmutableArray.CreateBuilder<Finding>();
        var edits = ImmutableArray.CreateBuilder<RegistryEdit>();
        var missingTasks = new SortedSet<string>(StringComparer.Ordinal);
        var missingAgents = 0;
        foreach (var part in parts)
        {
            findings.AddRange(part.Findings);
            edits.AddRange(part.Edits);
            missingTasks.UnionWith(part.MissingTasks);
            missingAgents += part.MissingAgents;
        }

        if (missingAgents > 0)
        {
            findings.Add(new Finding(Severity.Info, FindingCodes.GlobalAgentUnknown, $"{missingAgents} global agent{(missingAgents == 1 ? " names" : "s name")} {missingTasks.Count} task{(missingTasks.Count == 1 ? "" : "s")} with no registry here ({string.Join(", ", missingTasks.Take(3))}{(missingTasks.Count > 3 ? ", …" : string.Empty)}): history, left as is"));
        }

        var activeAfter = PlanGlobalCounter(global, tasksNow, tasksAfter, unreadableTasks, options, findings, edits);
        if (global.TotalSpawned is { } spawned && spawned < global.Agents.Length)
        {
            findings.Add(new Finding(Severity.Low, FindingCodes.HistoryMismatch, $"total_agents_spawned is {spawned} but {global.Agents.Length} agents are listed (history: reported, never rewritten)"));
        }

        var before = CountSnapshot.Of(global);
        return new RegistryPlan([], [], findings.ToImmutable(), edits.ToImmutable(), before, before with { Active = activeAfter });
    }

    /// <summary>Below this many entries a global registry is planned in one run: a hand-off costs more than it saves.</summary>
    private const int EntriesPerRun = 512;

    /// <summary>What one run of a global registry's entries found and would change.</summary>
    private sealed class GlobalEntries
    {
        public ImmutableArray<Finding>.Builder Findings { get; } = ImmutableArray.CreateBuilder<Finding>();

        public ImmutableArray<RegistryEdit>.Builder Edits { get; } = ImmutableArray.CreateBuilder<RegistryEdit>();

        public SortedSet<string> MissingTasks { get; } = new(StringComparer.Ordinal);

        public int MissingAgents { get; set; }
    }

    /// <summary>One agent of the global registry against its task's registry: mirror an ending, report a disagreement.</summary>
    private static void PlanGlobalEntry(
        AgentRecord entry,
        string taskId,
        RegistryModel task,
        IReadOnlyDictionary<string, RegistryModel> tasksNow,
        ReconcileOptions options,
        ImmutableArray<Finding>.Builder findings,
        ImmutableArray<RegistryEdit>.Builder edits)
    {
        var source = LastWithId(task.Agents, entry.Id);
        if (source is null)
        {
            findings.Add(new Finding(Severity.Low, FindingCodes.GlobalAgentUnknown, $"global agent {entry.Id} is not in the registry of task {taskId}"));
            return;
        }

        var sourceNow = tasksNow.TryGetValue(taskId, out var now) ? LastWithId(now.Agents, entry.Id) ?? source : source;

        // Statuses outside both sets belong to a newer orchestrator: neither side is touched.
        var globalKnown = entry.Status is null || options.IsActive(entry.Status) || options.IsTerminal(entry.Status);
        if (options.IsTerminal(source.Status) && entry.Status != source.Status && globalKnown)
        {
            edits.Add(new MirrorAgentStatus(entry.Id, entry.Status, source.Status!, CopiedFields(source, entry)));
            // A mirror that only follows this pass's own termination is not a finding of its own.
            if (options.IsTerminal(sourceNow.Status) && sourceNow.Status != entry.Status)
            {
                findings.Add(new Finding(Severity.High, FindingCodes.GlobalOutOfStep, $"global agent {entry.Id} is {entry.Status ?? "(no status)"} but task {taskId} says {sourceNow.Status}"));
            }
        }
        else if (options.IsActive(source.Status) && options.IsTerminal(entry.Status))
        {
            // The controller never revives an agent; a person must decide which side is wrong.
            findings.Add(new Finding(Severity.Medium, FindingCodes.GlobalOutOfStep, $"global agent {entry.Id} is {entry.Status} but task {taskId} says {source.Status}: not changed"));
        }
    }

    /// <summary>The last of <paramref name="agents"/> with this id (asked twice per entry of the global registry: a loop, no closure).</summary>
    private static AgentRecord? LastWithId(ImmutableArray<AgentRecord> agents, string id)
    {
        // Ids of one task share their start and end in random hex: the last character tells most of them apart
        // before a whole comparison (those were a tenth of a pass's CPU on a workspace of 20,000 agents).
        var last = id.Length > 0 ? id[^1] : '\0';
        for (var i = agents.Length - 1; i >= 0; i--)
        {
            var candidate = agents[i].Id;
            if (candidate.Length == id.Length && (id.Length == 0 || candidate[^1] == last) && candidate == id)
            {
                return agents[i];
            }
        }

        return null;
    }

    /// <summary>The workspace-wide <c>active_agents</c>: checked against the tasks now, set to what they will be after.</summary>
    private static long? PlanGlobalCounter(
        RegistryModel global,
        IReadOnlyDictionary<string, RegistryModel> tasksNow,
        IReadOnlyDictionary<string, RegistryModel> tasksAfter,
        IReadOnlySet<string> unreadableTasks,
        ReconcileOptions options,
        ImmutableArray<Finding>.Builder findings,
        ImmutableArray<RegistryEdit>.Builder edits)
    {
        long? activeAfter = global.ActiveCount;
        if (global.ActiveCount is { } written)
        {
            if (unreadableTasks.Count > 0)
            {
                findings.Add(new Finding(Severity.Medium, FindingCodes.CountsUnverifiable, $"active_agents cannot be checked while {unreadableTasks.Count} task registr{(unreadableTasks.Count == 1 ? "y is" : "ies are")} unreadable"));
            }
            else
            {
                var statusesNow = ActiveAgents.Count(tasksNow.Values, options);
                var truth = ActiveAgents.Count(tasksAfter.Values, options);
                if (written != statusesNow)
                {
                    findings.Add(new Finding(Severity.High, FindingCodes.ActiveCountMismatch, $"active_agents is {written} but {statusesNow} agents have an active status across the workspace"));
                }

                if (written != truth)
                {
                    edits.Add(new SetCounter(RegistryModel.ActiveCountField(RegistryKind.Global), written, truth));
                    activeAfter = truth;
                }
            }
        }

        return activeAfter;
    }

    private static ImmutableArray<KeyValuePair<string, string>> CopiedFields(AgentRecord source, AgentRecord entry)
    {
        var fields = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>(6);
        void Copy(string key, string? value, string? current)
        {
            if (value is not null && value != current)
            {
                fields.Add(new(key, value));
            }
        }

        Copy("termination_reason", source.TerminationReason, entry.TerminationReason);
        Copy("terminated_at", source.TerminatedAt, entry.TerminatedAt);
        Copy("completed_at", source.CompletedAt, entry.CompletedAt);
        Copy("last_update", source.LastUpdate, entry.LastUpdate);
        Copy(AgentEndFields.ReconciledByField, source.ReconciledBy, entry.ReconciledBy);
        Copy(AgentEndFields.OutcomeEvidenceField, source.OutcomeEvidence, entry.OutcomeEvidence);
        return fields.ToImmutable();
    }

    /// <summary>The task's <c>active_count</c>: checked against the statuses now, set to what they will be after.</summary>
    private static void PlanActiveCount(RegistryModel model, int active, int activeAfter, ImmutableArray<Finding>.Builder findings, ImmutableArray<RegistryEdit>.Builder edits)
    {
        if (model.ActiveCount is not { } written)
        {
            return;
        }

        if (written != active)
        {
            findings.Add(new Finding(Severity.High, FindingCodes.ActiveCountMismatch, $"active_count is {written} but {active} agents have an active status"));
        }

        if (written != activeAfter)
        {
            edits.Add(new SetCounter(RegistryModel.ActiveCountField(RegistryKind.Task), written, activeAfter));
        }
    }

    private static void AddHistoryFindings(RegistryModel model, ImmutableArray<Finding>.Builder findings)
    {
        if (model.TotalSpawned is { } spawned && spawned != model.Agents.Length)
        {
            findings.Add(new Finding(Severity.Low, FindingCodes.HistoryMismatch, $"total_spawned is {spawned} but {model.Agents.Length} agents are listed (history: reported, never rewritten)"));
        }

        if (model.CompletedCount is { } completed)
        {
            var actual = model.Agents.Count(a => a.Status == "completed");
            if (completed != actual)
            {
                findings.Add(new Finding(Severity.Low, FindingCodes.HistoryMismatch, $"completed_count is {completed} but {actual} agents are completed (history: reported, never rewritten)"));
            }
        }
    }
}
