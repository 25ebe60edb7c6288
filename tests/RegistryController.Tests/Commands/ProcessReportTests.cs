using System.Globalization;

namespace RegistryController.Tests.Commands;

/// <summary>What <c>health</c> tells a person (and the JSON report a program) of an agent judged by its recorded process.</summary>
public class ProcessReportTests
{
    // Its session was gone at capture; here it records none and a cursor_pid instead, as the cursor backend wrote them.
    private const string Builder = "builder-092433-ebff80";

    [Fact]
    public async Task The_json_report_names_the_process_of_an_agent_ended_for_it()
    {
        await using var workspace = await WorkspaceWithKilledCursorAgentAsync();

        var report = (await workspace.Workspace.RunAsync("health", "--json")).Report();

        var zombie = report.GetProperty("registries").EnumerateArray()
            .SelectMany(r => r.GetProperty("zombies").EnumerateArray())
            .Single(z => z.GetProperty("agent_id").GetString() == Builder);
        Assert.Equal("process_not_found", zombie.GetProperty("reason").GetString());
        Assert.Equal(string.Empty, zombie.GetProperty("session").GetString());
        var process = zombie.GetProperty("process");
        Assert.Equal((workspace.Pid, "not_found"), (process.GetProperty("pid").GetInt32(), process.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task The_human_report_names_the_process_of_an_agent_ended_for_it()
    {
        await using var workspace = await WorkspaceWithKilledCursorAgentAsync();

        var result = await workspace.Workspace.RunAsync("health");

        Assert.Contains($"zombie {Builder} (running): process_not_found [no session, pid {workspace.Pid} not found]", result.Stdout, StringComparison.Ordinal);
    }

    private static async Task<KilledCursorAgent> WorkspaceWithKilledCursorAgentAsync()
    {
        var workspace = await Orchestrator2026Workspace.StartAsync();
        var agent = ChildProcess.StartSleeper();
        await agent.DisposeAsync();
        await OrchestratorSqlite.ExecuteAsync(workspace.Database, $"UPDATE agents SET tmux_session = NULL, cursor_pid = {agent.Pid.ToString(CultureInfo.InvariantCulture)} WHERE agent_id = '{Builder}'");
        return new KilledCursorAgent(workspace, agent.Pid);
    }

    private sealed record KilledCursorAgent(Orchestrator2026Workspace Workspace, int Pid) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Workspace.DisposeAsync();
    }
}
