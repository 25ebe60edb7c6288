using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Store;

namespace RegistryController.Testing;

/// <summary>
/// A generated orchestrator workspace (with its ground truth) and a private tmux server running
/// exactly the sessions the truth says are alive: live ones, dead-pane ones and orphans.
/// </summary>
public sealed class TmuxWorkspace : IAsyncDisposable
{
    private readonly TempDirectory _temp;

    private TmuxWorkspace(TempDirectory temp, GeneratedWorkspace generated, TmuxTestServer tmux)
    {
        _temp = temp;
        Generated = generated;
        Tmux = tmux;
    }

    public GeneratedWorkspace Generated { get; }

    public TmuxTestServer Tmux { get; }

    public string Root => Generated.Root;

    public GroundTruth Truth => Generated.Truth;

    public IReadOnlyList<string> TaskIds => Generated.TaskIds;

    public string GlobalPath => RegistryDiscovery.GlobalRegistryPath(Root);

    /// <summary>A directory of the test's own beside the workspace (for files outside it).</summary>
    public string Outside => _temp.Path;

    /// <summary>Sessions of the generated live agents, all alive.</summary>
    public IReadOnlyList<string> LiveSessions => Truth.LiveSessions;

    /// <param name="extraSessions">Sessions started beside the agents' (orphans-to-be, sessions a test will name later).</param>
    /// <param name="trackedFiles">Every agent with the <c>tracked_files</c> the orchestrator's deploy writes.</param>
    public static async Task<TmuxWorkspace> GenerateAsync(int tasks, AgentMix mix, int orphans = 0, bool counterDrift = false, int seed = 1, IEnumerable<string>? extraSessions = null, bool trackedFiles = false)
    {
        var temp = new TempDirectory();
        var generated = WorkspaceGenerator.Generate(temp.Combine("workspace"), tasks, mix, orphans, ClockReading.From(TimeProvider.System), counterDrift, seed, trackedFiles);
        var tmux = await TmuxTestServer.StartAsync(WorkspaceGenerator.LiveAndOrphanSessions(generated.Truth).Concat(extraSessions ?? []), generated.Truth.DeadPaneSessions);
        return new TmuxWorkspace(temp, generated, tmux);
    }

    /// <summary>A workspace of live agents only (no zombies, no orphans), and sessions a test will name later.</summary>
    public static Task<TmuxWorkspace> CreateAsync(int tasks, int liveAgentsPerTask, IEnumerable<string>? extraSessions = null) =>
        GenerateAsync(tasks, new AgentMix(Live: liveAgentsPerTask, Zombie: 0), extraSessions: extraSessions);

    public string TaskPath(string taskId) => Path.Combine(Root, taskId, RegistryDiscovery.TaskRegistryFileName);

    /// <summary>The registry of the task at <paramref name="task"/> in generation order.</summary>
    public string TaskRegistry(int task) => TaskPath(TaskIds[task]);

    /// <summary>The agent ids of one task, in file order.</summary>
    public IReadOnlyList<string> AgentIds(int task) =>
        [.. Read(TaskRegistry(task))["agents"]!.AsArray().Select(a => (string)a!["id"]!)];

    /// <summary>The agent whose session is <paramref name="session"/>.</summary>
    public (int Task, string AgentId) AgentOf(string session)
    {
        for (var t = 0; t < TaskIds.Count; t++)
        {
            foreach (var agent in Read(TaskRegistry(t))["agents"]!.AsArray())
            {
                if ((string?)agent!["tmux_session"] == session)
                {
                    return (t, (string)agent["id"]!);
                }
            }
        }

        throw new InvalidOperationException($"no agent has session {session}");
    }

    /// <summary>Every agent of every task with its status, as the files say now.</summary>
    public IReadOnlyList<(string AgentId, string? Status)> Statuses() =>
        [.. Enumerable.Range(0, TaskIds.Count).SelectMany(t => Read(TaskRegistry(t))["agents"]!.AsArray())
            .Select(a => ((string)a!["id"]!, (string?)a["status"]))];

    public JsonObject ReadTask(string taskId) => Read(TaskPath(taskId));

    public JsonObject ReadGlobal() => Read(GlobalPath);

    /// <summary>A task registry's agent by id.</summary>
    public JsonObject TaskAgent(string taskId, string agentId) =>
        ReadTask(taskId)["agents"]!.AsArray().Single(a => (string?)a!["id"] == agentId)!.AsObject();

    public JsonObject GlobalAgent(string agentId) => ReadGlobal()["agents"]![agentId]!.AsObject();

    /// <summary>Writes the global registry as the orchestrator does (<c>json.dump(indent=2)</c>), as a lagging writer leaves it.</summary>
    public void WriteGlobal(JsonObject global) => File.WriteAllBytes(GlobalPath, RegistryController.Registry.PythonJsonWriter.Serialize(global));

    /// <summary>Runs registryctl in-process against this workspace and its tmux server.</summary>
    public Task<CliResult> RunAsync(params string[] args) =>
        RegistryctlInProcess.RunAsync([.. args, "--workspace", Root, "--tmux-socket", Tmux.SocketPath]);

    /// <summary>Runs registryctl in-process against this workspace, choosing the tmux server (or none) in <paramref name="args"/>.</summary>
    public Task<CliResult> RunOnWorkspaceAsync(params string[] args) =>
        RegistryctlInProcess.RunAsync([.. args, "--workspace", Root]);

    /// <summary>Every agent of every task registry with the given status, as task/agent ids.</summary>
    public IReadOnlyList<string> TaskAgentsWithStatus(string status) => [.. TaskIds
        .SelectMany(task => ReadTask(task)["agents"]!.AsArray().Where(a => (string?)a!["status"] == status).Select(a => $"{task}/{a!["id"]}"))
        .Order(StringComparer.Ordinal)];

    /// <summary>The ground truth's zombies as task/agent ids.</summary>
    public IReadOnlyList<string> ZombieIds(string? taskId = null) => [.. Truth.Zombies
        .Where(z => taskId is null || z.TaskId == taskId)
        .Select(z => $"{z.TaskId}/{z.AgentId}")
        .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Kills this workspace's (private) tmux server and returns once a client sees no server there.
    /// <c>kill-server</c> returns before the server is gone; a client that connects meanwhile is
    /// told "server exited unexpectedly", which is a different (broken) view.
    /// </summary>
    public async Task KillTmuxServerAsync()
    {
        await Tmux.Server.KillServerAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var probe = await Cli.Wrap("tmux").WithArguments(["-S", Tmux.SocketPath, "list-sessions"])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            if (probe.StandardError.StartsWith("no server running on ", StringComparison.Ordinal)
                || probe.StandardError.StartsWith("error connecting to ", StringComparison.Ordinal))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the tmux server on {Tmux.SocketPath} is still answering: {probe.StandardOutput}{probe.StandardError}");
            }

            await Task.Yield();
        }
    }

    public FileStates CaptureFiles() => FileStates.Capture(Root);

    public async ValueTask DisposeAsync()
    {
        await Tmux.DisposeAsync();
        _temp.Dispose();
    }

    // Waits while a writer holds the lock: .NET reads take LOCK_SH without waiting.
    private static JsonObject Read(string path) => RegistryJson.Read(path);
}
