using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>`registryctl repair` is a short process: its spans must have left before it exits.</summary>
public class OneShotTraceTests
{
    [Fact]
    public async Task Repair_has_exported_one_cli_reconcile_root_span_per_registry_by_the_time_it_exits()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1));

        var result = await RegistryctlProcess.RunAsync(["repair", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath], receiver.ExporterEnvironment());

        // No waiting: whatever was not received before the exit is lost.
        Assert.True(result.ExitCode == 0, result.ToString());
        var reconciles = receiver.Spans.Where(s => s.Name == "reconcile").ToList();
        string[] registries = [.. workspace.TaskIds.Select(workspace.TaskPath).Append(workspace.GlobalPath).Order(StringComparer.Ordinal)];
        Assert.Equal(registries, reconciles.Select(s => s.Text("registry.path")).Order(StringComparer.Ordinal));
        Assert.All(reconciles, s =>
        {
            Assert.True(s.IsRoot, s.ToString());
            Assert.Equal("cli", s.Text("reconcile.trigger"));
            Assert.False(s.Flag("reconcile.dry_run"));
            Assert.Equal("repaired", s.Text("reconcile.outcome"));
        });
        Assert.All(workspace.Truth.Zombies, zombie => Assert.Single(
            reconciles.Single(s => s.Text("registry.task_id") == zombie.TaskId).Span.Events,
            e => e.Name == "agent.terminated" && Otlp.Find(e.Attributes, "agent.id")?.StringValue == zombie.AgentId));
        // Each repair's write is a child of its own registry's span, not of another's.
        Assert.All(reconciles, s => Assert.Single(receiver.Spans, c => c.Name == "registry.write" && c.ParentSpanId == s.SpanId));
    }

    [Fact]
    public async Task A_dry_run_exports_its_reconcile_spans_marked_dry_run_and_writes_none()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 1));

        var result = await RegistryctlProcess.RunAsync(["repair", "--dry-run", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath], receiver.ExporterEnvironment());

        var reconciles = receiver.Spans.Where(s => s.Name == "reconcile").ToList();
        Assert.True(reconciles.Count == 2, result.ToString());
        Assert.All(reconciles, s => Assert.True(s.Flag("reconcile.dry_run"), s.ToString()));
        Assert.DoesNotContain(receiver.Spans, s => s.Name is "registry.lock" or "registry.write");
    }

    [Fact]
    public async Task A_write_of_several_pages_says_it_was_guarded()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        // 13 agents: a task registry of several pages.
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 6, Zombie: 1, Completed: 6));
        Assert.True(new FileInfo(workspace.TaskPath(workspace.TaskIds[0])).Length > Environment.SystemPageSize);

        var result = await RegistryctlProcess.RunAsync(["repair", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath], receiver.ExporterEnvironment());

        Assert.True(result.ExitCode == 0, result.ToString());
        var reconciles = receiver.Spans.Where(s => s.Name == "reconcile").ToDictionary(s => s.SpanId, StringComparer.Ordinal);
        var task = Assert.Single(receiver.Spans, w => w.Name == "registry.write" && reconciles[w.ParentSpanId].Text("registry.kind") == "task");
        Assert.True(task.Flag("registry.write.guarded"), task.ToString());
    }

    [Fact]
    public async Task A_write_of_one_page_carries_no_guard_attribute()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 1));

        var result = await RegistryctlProcess.RunAsync(["repair", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath], receiver.ExporterEnvironment());

        Assert.True(result.ExitCode == 0, result.ToString());
        var writes = receiver.Spans.Where(s => s.Name == "registry.write").ToList();
        Assert.Equal(2, writes.Count);
        Assert.All(writes, write =>
        {
            Assert.True(write.Number("registry.bytes") <= Environment.SystemPageSize, write.ToString());
            Assert.Null(write.Attribute("registry.write.guarded"));
        });
    }
}
