using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Generation;

/// <summary>
/// Writes a workspace shaped like the orchestrator's (same keys, same order, same
/// <c>json.dumps(indent=2)</c> bytes) with a chosen mix of agents, and the ground truth beside it.
/// The demo, the benchmarks and the tests use it; its truth is stated by construction, not computed
/// by the reconciler it is used to check.
/// </summary>
public static class WorkspaceGenerator
{
    public const string GroundTruthFileName = "ground-truth.json";

    /// <param name="counterDrift">Writes active_count one higher than true in every task registry, as a racing writer leaves it.</param>
    /// <param name="trackedFiles">
    /// Gives every agent of a task registry its <c>tracked_files</c>, the five absolute paths the orchestrator's deploy
    /// writes (52487f0); without it the registries are the smaller files of the benchmarks so far.
    /// </param>
    public static GeneratedWorkspace Generate(string root, int tasks, AgentMix mix, int orphans, ClockReading clock, bool counterDrift = false, int seed = 1, bool trackedFiles = false)
    {
        ArgumentNullException.ThrowIfNull(mix);
        ArgumentNullException.ThrowIfNull(clock);
        Directory.CreateDirectory(root);
        var random = new Random(seed);
        var old = clock.Now.AddMinutes(-10);
        var truth = new TruthBuilder();
        var globalAgents = new JsonObject();
        var globalTasks = new JsonObject();
        var taskIds = new List<string>(tasks);

        for (var t = 0; t < tasks; t++)
        {
            var taskId = string.Create(CultureInfo.InvariantCulture, $"TASK-{old.UtcDateTime:yyyyMMdd-HHmmss}-{t:x8}");
            taskIds.Add(taskId);
            var agents = new JsonArray();
            var kinds = ShuffledKinds(mix, random);
            var active = 0;
            for (var a = 0; a < kinds.Count; a++)
            {
                var kind = kinds[a];
                var id = string.Create(CultureInfo.InvariantCulture, $"{kind}_agent-{t:x4}{a:x3}-{random.Next(0x1000000):x6}");
                var session = "agent_" + id;
                var started = kind == "fresh" ? clock.Now.AddSeconds(-2) : old.AddSeconds(a);
                var status = kind == "completed" ? "completed" : (random.Next(2) == 0 ? "running" : "working");
                var agent = Agent(id, session, status, started, clock);
                if (trackedFiles)
                {
                    agent["tracked_files"] = TrackedFiles(Path.Combine(Path.GetFullPath(root), taskId), id);
                }

                agents.Add((JsonNode)agent);
                globalAgents[id] = GlobalAgent(taskId, id, session, started, status == "completed" ? status : null, clock);
                active += truth.Add(kind, taskId, id, session) ? 1 : 0;
            }

            var activeWritten = mix.Live + mix.Zombie + mix.Fresh + mix.DeadPane + (counterDrift ? 1 : 0);
            WriteTaskRegistry(root, taskId, TaskRegistry(taskId, agents, mix, activeWritten, clock));
            truth.AddTask(taskId, active);
            globalTasks[taskId] = new JsonObject { ["description"] = $"generated task {t}", ["created_at"] = Iso(old, clock), ["status"] = "INITIALIZED" };
        }

        WriteGlobalRegistry(root, GlobalRegistry(tasks, mix, globalTasks, globalAgents, Iso(old, clock)));
        var orphanSessions = Enumerable.Range(0, orphans).Select(i => string.Create(CultureInfo.InvariantCulture, $"agent_orphan-{i:x4}-{random.Next(0x1000000):x6}")).ToImmutableArray();
        var groundTruth = truth.Build(orphanSessions);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(root).TrimEnd('/'))!, Path.GetFileName(root.TrimEnd('/')) + "." + GroundTruthFileName), Describe(groundTruth));
        return new GeneratedWorkspace(root, taskIds, groundTruth);
    }

    /// <summary>Every session the workspace's tmux server must have (live, dead-pane and orphan ones).</summary>
    public static IEnumerable<string> LiveAndOrphanSessions(GroundTruth truth)
    {
        ArgumentNullException.ThrowIfNull(truth);
        return truth.LiveSessions.Concat(truth.OrphanSessions);
    }

    /// <summary>Every agent kind the mix asks for, in a seeded random order.</summary>
    private static List<string> ShuffledKinds(AgentMix mix, Random random) =>
        Enumerable.Repeat("live", mix.Live)
            .Concat(Enumerable.Repeat("zombie", mix.Zombie))
            .Concat(Enumerable.Repeat("fresh", mix.Fresh))
            .Concat(Enumerable.Repeat("dead", mix.DeadPane))
            .Concat(Enumerable.Repeat("completed", mix.Completed))
            .OrderBy(_ => random.Next())
            .ToList();

    private static void WriteTaskRegistry(string root, string taskId, JsonObject registry)
    {
        var directory = Path.Combine(root, taskId);
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, RegistryDiscovery.TaskRegistryFileName), PythonJsonWriter.Serialize(registry));
    }

    private static void WriteGlobalRegistry(string root, JsonObject global)
    {
        Directory.CreateDirectory(Path.Combine(root, RegistryDiscovery.GlobalRegistryDirectory));
        File.WriteAllBytes(RegistryDiscovery.GlobalRegistryPath(root), PythonJsonWriter.Serialize(global));
    }

    private static JsonObject GlobalRegistry(int tasks, AgentMix mix, JsonObject globalTasks, JsonObject globalAgents, string createdAt) => new()
    {
        ["created_at"] = createdAt,
        ["total_tasks"] = tasks,
        ["active_tasks"] = tasks,
        ["total_agents_spawned"] = tasks * mix.Total,
        ["active_agents"] = tasks * (mix.Live + mix.Zombie + mix.Fresh + mix.DeadPane),
        ["max_concurrent_agents"] = 20,
        ["tasks"] = globalTasks,
        ["agents"] = globalAgents,
    };

    private static JsonObject Agent(string id, string session, string status, DateTimeOffset started, ClockReading clock)
    {
        var agent = new JsonObject
        {
            ["id"] = id,
            ["type"] = id.Split('-')[0],
            ["tmux_session"] = session,
            ["parent"] = "orchestrator",
            ["depth"] = 1,
            ["status"] = status,
            ["started_at"] = Iso(started, clock),
            ["progress"] = status == "completed" ? 100 : 20,
            ["last_update"] = Iso(started.AddSeconds(30), clock),
            ["prompt"] = "You are a generated agent.\n\nYOUR MISSION:\n1. Exist for the registry-controller's tests...",
        };
        if (status == "completed")
        {
            agent["completed_at"] = Iso(started.AddMinutes(3), clock);
        }

        return agent;
    }

    /// <summary>What the orchestrator's deploy records of an agent's files, under its task's directory.</summary>
    private static JsonObject TrackedFiles(string taskDirectory, string id) => new()
    {
        ["prompt_file"] = $"{taskDirectory}/agent_prompt_{id}.txt",
        ["log_file"] = $"{taskDirectory}/logs/{id}_stream.jsonl",
        ["progress_file"] = $"{taskDirectory}/progress/{id}_progress.jsonl",
        ["findings_file"] = $"{taskDirectory}/findings/{id}_findings.jsonl",
        ["deploy_log"] = $"{taskDirectory}/logs/deploy_{id}.json",
    };

    private static JsonObject GlobalAgent(string taskId, string id, string session, DateTimeOffset started, string? status, ClockReading clock)
    {
        var agent = new JsonObject
        {
            ["task_id"] = taskId,
            ["type"] = id.Split('-')[0],
            ["parent"] = "orchestrator",
            ["started_at"] = Iso(started, clock),
            ["tmux_session"] = session,
        };
        if (status is not null)
        {
            agent["status"] = status;
            agent["last_update"] = Iso(started.AddSeconds(30), clock);
            agent["completed_at"] = Iso(started.AddMinutes(3), clock);
        }

        return agent;
    }

    private static JsonObject TaskRegistry(string taskId, JsonArray agents, AgentMix mix, int activeWritten, ClockReading clock) => new()
    {
        ["task_id"] = taskId,
        ["task_description"] = "Generated by registry-controller",
        ["created_at"] = Iso(clock.Now.AddMinutes(-11), clock),
        ["workspace"] = "${workspaceFolder}/.agent-workspace/" + taskId,
        ["workspace_base"] = "${workspaceFolder}/.agent-workspace",
        ["client_cwd"] = null,
        ["status"] = "INITIALIZED",
        ["priority"] = "P1",
        ["agents"] = agents,
        ["agent_hierarchy"] = new JsonObject { ["orchestrator"] = new JsonArray([.. agents.Select(a => (JsonNode?)JsonValue.Create((string?)a!["id"]))]) },
        ["max_agents"] = 45,
        ["max_depth"] = 5,
        ["max_concurrent"] = 20,
        ["total_spawned"] = mix.Total,
        ["active_count"] = activeWritten,
        ["completed_count"] = mix.Completed,
        ["orchestration_guidance"] = new JsonObject { ["min_specialization_depth"] = 2, ["recommended_child_agents_per_parent"] = 3, ["specialization_domains"] = new JsonArray(), ["complexity_score"] = 1 },
        ["spiral_checks"] = new JsonObject { ["enabled"] = true, ["last_check"] = Iso(clock.Now.AddMinutes(-11), clock), ["violations"] = 0 },
    };

    private static string Iso(DateTimeOffset at, ClockReading clock) => (clock with { Now = at }).NowAsPythonIsoformat();

    private static string Describe(GroundTruth truth)
    {
        var node = new JsonObject
        {
            ["zombies"] = new JsonArray([.. truth.Zombies.Select(z => (JsonNode?)new JsonObject { ["task_id"] = z.TaskId, ["agent_id"] = z.AgentId, ["session"] = z.Session, ["reason"] = z.Reason })]),
            ["fresh_agents"] = new JsonArray([.. truth.FreshAgents.Select(f => (JsonNode?)JsonValue.Create(f))]),
            ["live_sessions"] = truth.LiveSessions.Length,
            ["dead_pane_sessions"] = new JsonArray([.. truth.DeadPaneSessions.Select(f => (JsonNode?)JsonValue.Create(f))]),
            ["orphan_sessions"] = new JsonArray([.. truth.OrphanSessions.Select(f => (JsonNode?)JsonValue.Create(f))]),
            ["active_after_repair_by_task"] = new JsonObject([.. truth.ActiveAfterRepairByTask.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))]),
            ["global_active_after_repair"] = truth.GlobalActiveAfterRepair,
        };
        return Encoding.UTF8.GetString(PythonJsonWriter.Serialize(node));
    }

    /// <summary>The ground truth, stated agent by agent as each is generated (never computed by the reconciler it checks).</summary>
    private sealed class TruthBuilder
    {
        private readonly ImmutableArray<ExpectedZombie>.Builder _zombies = ImmutableArray.CreateBuilder<ExpectedZombie>();
        private readonly ImmutableArray<string>.Builder _fresh = ImmutableArray.CreateBuilder<string>();
        private readonly ImmutableArray<string>.Builder _live = ImmutableArray.CreateBuilder<string>();
        private readonly ImmutableArray<string>.Builder _deadPanes = ImmutableArray.CreateBuilder<string>();
        private readonly ImmutableDictionary<string, int>.Builder _activeByTask = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        private int _globalActive;

        /// <returns>Whether the agent stays active after a repair (its session lives, or it is within the grace period).</returns>
        public bool Add(string kind, string taskId, string id, string session)
        {
            switch (kind)
            {
                case "live": _live.Add(session); return true;
                case "fresh": _fresh.Add(id); return true;
                case "zombie": _zombies.Add(new ExpectedZombie(taskId, id, session, ZombieReasons.SessionNotFound)); return false;
                case "dead": _deadPanes.Add(session); _zombies.Add(new ExpectedZombie(taskId, id, session, ZombieReasons.PaneDead)); return false;
                default: return false;
            }
        }

        public void AddTask(string taskId, int active)
        {
            _activeByTask[taskId] = active;
            _globalActive += active;
        }

        public GroundTruth Build(ImmutableArray<string> orphanSessions) =>
            new(_zombies.ToImmutable(), _fresh.ToImmutable(), _live.ToImmutable(), _deadPanes.ToImmutable(), orphanSessions, _activeByTask.ToImmutable(), _globalActive);
    }
}
