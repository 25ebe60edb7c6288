using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Store;

namespace RegistryController.Tests.Support;

/// <summary>A generated orchestrator workspace (tasks of live agents) and a private tmux server running their sessions.</summary>
public sealed class TestWorkspace : IAsyncDisposable
{
    private readonly TempDirectory _temp;

    private TestWorkspace(TempDirectory temp, GeneratedWorkspace generated, TmuxTestServer tmux)
    {
        _temp = temp;
        Generated = generated;
        Tmux = tmux;
    }

    public string Root => Generated.Root;

    public GeneratedWorkspace Generated { get; }

    public TmuxTestServer Tmux { get; }

    public IReadOnlyList<string> TaskIds => Generated.TaskIds;

    public string GlobalRegistry => RegistryDiscovery.GlobalRegistryPath(Root);

    /// <summary>Sessions of the generated agents, all alive.</summary>
    public IReadOnlyList<string> LiveSessions => Generated.Truth.LiveSessions;

    /// <param name="extraSessions">Sessions started beside the agents' (orphans-to-be, sessions a test will name later).</param>
    public static async Task<TestWorkspace> CreateAsync(int tasks, int liveAgentsPerTask, IEnumerable<string>? extraSessions = null)
    {
        var temp = new TempDirectory();
        var generated = WorkspaceGenerator.Generate(temp.Combine("workspace"), tasks, new AgentMix(Live: liveAgentsPerTask, Zombie: 0), orphans: 0, ClockReading.From(TimeProvider.System));
        var tmux = await TmuxTestServer.StartAsync(generated.Truth.LiveSessions.Concat(extraSessions ?? []));
        return new TestWorkspace(temp, generated, tmux);
    }

    public string TaskRegistry(int task) => Path.Combine(Root, TaskIds[task], RegistryDiscovery.TaskRegistryFileName);

    /// <summary>The agent ids of one task, in file order.</summary>
    public IReadOnlyList<string> AgentIds(int task) =>
        [.. RegistryJson.Read(TaskRegistry(task))["agents"]!.AsArray().Select(a => (string)a!["id"]!)];

    /// <summary>The agent whose session is <paramref name="session"/>.</summary>
    public (int Task, string AgentId) AgentOf(string session)
    {
        for (var t = 0; t < TaskIds.Count; t++)
        {
            foreach (var agent in RegistryJson.Read(TaskRegistry(t))["agents"]!.AsArray())
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
        [.. Enumerable.Range(0, TaskIds.Count).SelectMany(t => RegistryJson.Read(TaskRegistry(t))["agents"]!.AsArray())
            .Select(a => ((string)a!["id"]!, (string?)a["status"]))];

    public async ValueTask DisposeAsync()
    {
        await Tmux.DisposeAsync();
        _temp.Dispose();
    }
}
