using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>A reconcile's trace says what woke it: links to the file event or the tmux notification, as received.</summary>
public class ReconcileCauseLinkTests
{
    [Fact]
    public async Task A_reconcile_caused_by_a_registry_write_links_to_the_file_event_span()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 2, Zombie: 0));
        var taskPath = workspace.TaskPath(workspace.TaskIds[0]);
        await using var controller = await RegistryctlProcess.StartControllerAsync(workspace.Root, workspace.Tmux.SocketPath, receiver.ExporterEnvironment());

        // The orchestrator rewrites the registry as it always does: json.dumps(indent=2) in place.
        await Python.DumpAsync(taskPath);

        var reconcile = await receiver.WaitForAsync(
            r => r.Spans.FirstOrDefault(s => s.Name == "reconcile" && s.Text("registry.path") == taskPath && s.Text("reconcile.trigger") == "file"),
            "a reconcile of the task registry triggered by the file write");
        var fileEvents = receiver.Spans.Where(s => s.Name == "file.event").ToDictionary(s => s.SpanId, StringComparer.Ordinal);
        // Python's open('w') and write() are two inotify events; the queue folds them into one reconcile linked to both.
        var causes = reconcile.LinkedSpanIds.Where(fileEvents.ContainsKey).Select(id => fileEvents[id]).ToList();
        Assert.NotEmpty(causes);
        Assert.All(causes, cause =>
        {
            Assert.True(cause.IsRoot, cause.ToString());
            Assert.Equal(taskPath, cause.Text("registry.path"));
            Assert.Equal("changed", cause.Text("file.change"));
        });
    }

    [Fact]
    public async Task A_reconcile_caused_by_a_killed_session_links_through_the_tmux_view_to_the_tmux_notification()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 2, Zombie: 0));
        var taskPath = workspace.TaskPath(workspace.TaskIds[0]);
        // No periodic scan within the test: on a loaded machine it could see the death first, and
        // the reconcile would rightly link to the scan's look instead of the notification.
        await using var controller = await RegistryctlProcess.StartControllerAsync(workspace.Root, workspace.Tmux.SocketPath, receiver.ExporterEnvironment(), "--set", "Controller:ScanInterval=10m");
        await WaitForControlClientAsync(workspace.Tmux);
        // Not the session the control client is on: the death must come through the attached client as a
        // notification, not as the client's own detach (which rescans, and would link a second look).
        var attached = await workspace.Tmux.ControlClientSessionAsync();
        var victim = workspace.Truth.LiveSessions.First(s => s != attached);

        await workspace.Tmux.Server.KillSessionAsync(victim);

        var reconcile = await receiver.WaitForAsync(
            r => r.Spans.FirstOrDefault(s => s.Name == "reconcile" && s.Text("registry.path") == taskPath && s.Text("reconcile.trigger") == "tmux" && s.Number("reconcile.zombies.terminated") == 1),
            "the reconcile that terminated the agent whose session was killed");
        var spans = receiver.Spans.ToDictionary(s => s.SpanId, StringComparer.Ordinal);
        var view = Assert.Single(reconcile.LinkedSpanIds.Where(spans.ContainsKey).Select(id => spans[id]), s => s.Name == "tmux.view" && s.Number("tmux.sessions") == workspace.Truth.LiveSessions.Length - 1);
        var notification = Assert.Single(view.LinkedSpanIds.Where(spans.ContainsKey).Select(id => spans[id]));
        Assert.Equal("tmux.notification", notification.Name);
        Assert.Equal("%sessions-changed", notification.Text("tmux.notification"));
        var terminated = Assert.Single(reconcile.Span.Events, e => e.Name == "agent.terminated");
        Assert.Equal(victim, Otlp.Find(terminated.Attributes, "agent.session")?.StringValue);
    }

    /// <summary>Polls (with a deadline) until the controller's control-mode client is attached.</summary>
    private static async Task WaitForControlClientAsync(TmuxTestServer tmux)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await tmux.Server.RunAsync(["list-clients", "-F", "#{client_control_mode}"])).StandardOutput.Split('\n').All(l => l.Trim() != "1"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the controller's tmux control client never attached");
            await Task.Delay(20);
        }
    }
}
