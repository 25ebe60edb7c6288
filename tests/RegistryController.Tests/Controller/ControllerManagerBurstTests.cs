using System.Globalization;
using Xunit.Abstractions;

namespace RegistryController.Tests.Controller;

/// <summary>A thousand orchestrator writes in a burst, against the running controller.</summary>
public class ControllerManagerBurstTests(ITestOutputHelper output)
{
    private const int Writes = 1000;
    private const int Rounds = Writes / 100;

    /// <summary>
    /// One python3 process, writing like the orchestrator's careful writer, 1,000 times: each write
    /// appends its number to burst_markers, counts itself in burst_writes and bumps an agent's
    /// progress; every hundredth spawns an agent with a live session, and fifty writes later one whose
    /// session does not exist (a zombie).
    /// </summary>
    private static readonly string BurstScript = OrchestratorWriter.Prelude + """
        from datetime import datetime, timedelta
        path, n = sys.argv[1], int(sys.argv[2])
        old = (datetime.now() - timedelta(minutes=10)).isoformat()

        def agent(agent_id, session):
            return {"id": agent_id, "type": "burst", "tmux_session": session, "parent": "orchestrator", "depth": 1,
                    "status": "working", "started_at": old, "progress": 0, "last_update": old, "prompt": "burst"}

        def write(i):
            def change(data):
                data.setdefault("burst_markers", []).append(i)
                data["burst_writes"] = data.get("burst_writes", 0) + 1
                data["agents"][0]["progress"] = i % 100
                if i % 100 == 0:
                    append_agent(data, agent("burst_live-%d" % (i // 100), "agent_burst_live-%d" % (i // 100)))
                if i % 100 == 50:
                    append_agent(data, agent("burst_zombie-%d" % (i // 100), "agent_burst_gone-%d" % (i // 100)))
            update(path, change)

        for i in range(n):
            write(i)
        print("done")
        """;

    [Fact]
    public async Task A_burst_of_orchestrator_writes_costs_few_reconciles_loses_no_write_and_ends_exact()
    {
        var burstSessions = Enumerable.Range(0, Rounds).Select(r => string.Create(CultureInfo.InvariantCulture, $"agent_burst_live-{r}"));
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 5, extraSessions: burstSessions);
        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        var registry = workspace.TaskRegistry(0);
        var reconciles = controller.Status.Reconciles;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("done\n", await Python.RunAsync(BurstScript, registry, Writes.ToString(CultureInfo.InvariantCulture)));
        var took = clock.Elapsed;

        var zombies = Enumerable.Range(0, Rounds).Select(r => string.Create(CultureInfo.InvariantCulture, $"burst_zombie-{r}")).ToList();
        await Eventually.Until(() => zombies.All(z => RegistryJson.IsTerminatedAsZombie(registry, z)), TimeSpan.FromSeconds(10), "every zombie of the burst terminated");
        var final = RegistryJson.Read(registry);
        Assert.Equal(Enumerable.Range(0, Writes), final["burst_markers"]!.AsArray().Select(m => (int)m!));
        Assert.Equal(Writes, (int)final["burst_writes"]!);
        Assert.Equal(5 + (2 * Rounds), (int)final["total_spawned"]!);
        Assert.Equal(5 + Rounds, (int)final["active_count"]!);
        Assert.All(
            final["agents"]!.AsArray().Where(a => ((string)a!["id"]!).StartsWith("burst_live-", StringComparison.Ordinal)),
            a => Assert.Equal("working", (string?)a!["status"]));
        var spent = controller.Status.Reconciles - reconciles;
        output.WriteLine($"{Writes} writes in {took.TotalSeconds:0.00} s: {spent} reconciles, {controller.Status.Writes} controller writes");
        Assert.True(spent < Writes / 10, $"{spent} reconciles for {Writes} writes");
    }
}
