using System.Text.Json;
using OpenTelemetry.Proto.Common.V1;

namespace RegistryController.Tests.Telemetry;

/// <summary>What a running controller's repair of a zombie looks like in a trace backend, decoded from the wire.</summary>
public class ControllerTraceTests(RepairingControllerFixture run) : IClassFixture<RepairingControllerFixture>
{
    [Fact]
    public void A_repair_is_exported_as_a_root_span_named_reconcile_with_the_registry_and_its_result()
    {
        var span = run.Repair;

        Assert.True(span.IsRoot, $"the reconcile has a parent: {span}");
        Assert.Equal(run.TaskPath, span.Text("registry.path"));
        Assert.Equal("task", span.Text("registry.kind"));
        Assert.Equal(run.TaskId, span.Text("registry.task_id"));
        Assert.Contains("startup", span.Text("reconcile.trigger")!.Split(','));
        Assert.Equal(1, span.Number("reconcile.zombies.found"));
        Assert.Equal(1, span.Number("reconcile.zombies.terminated"));
        Assert.Equal(0, span.Number("reconcile.orphans"));
        Assert.Equal(3, span.Number("registry.active.before"));
        Assert.Equal(2, span.Number("registry.active.after"));
        Assert.False(span.Flag("reconcile.dry_run"));
        Assert.False(span.Flag("reconcile.guard_held"));
    }

    [Fact]
    public void Every_reconcile_is_the_root_of_a_trace_of_its_own()
    {
        var reconciles = run.Receiver.Spans.Where(s => s.Name == "reconcile").ToList();

        Assert.Contains(reconciles, s => s.Text("registry.path") == run.Workspace.GlobalPath);
        Assert.All(reconciles, s => Assert.True(s.IsRoot, s.ToString()));
        Assert.Equal(reconciles.Count, reconciles.Select(s => s.TraceId).Distinct().Count());
    }

    [Fact]
    public void The_lock_read_and_write_of_a_repair_are_child_spans_of_its_reconcile()
    {
        var children = run.Receiver.Spans.Where(s => s.ParentSpanId == run.Repair.SpanId).ToList();

        var names = children.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        // The read under the lock always; the read before it only when start-up's read of the file could not stand
        // for it (a file written within a second of that read bears no stamp to trust).
        Assert.Equal(["registry.lock", "registry.read", "registry.write"], names.Distinct());
        Assert.InRange(names.Count(n => n == "registry.read"), 1, 2);
        Assert.All(children, c => Assert.Equal(run.Repair.TraceId, c.TraceId));
        var lockSpan = children.Single(c => c.Name == "registry.lock");
        Assert.Equal(1, lockSpan.Number("lock.attempts"));
        Assert.True(lockSpan.Attribute("lock.wait_ms") is { ValueCase: AnyValue.ValueOneofCase.DoubleValue, DoubleValue: >= 0 }, lockSpan.ToString());
        // The write's size is the size of the file it left: the repaired registry as it is now on disk.
        Assert.Equal(new FileInfo(run.TaskPath).Length, children.Single(c => c.Name == "registry.write").Number("registry.bytes"));
    }

    [Fact]
    public void A_terminated_zombie_is_an_agent_terminated_event_on_its_reconcile_span()
    {
        var terminated = Assert.Single(run.Repair.Span.Events, e => e.Name == "agent.terminated");

        Assert.Equal(run.Zombie.AgentId, Otlp.Find(terminated.Attributes, "agent.id")?.StringValue);
        Assert.Equal(run.Zombie.Session, Otlp.Find(terminated.Attributes, "agent.session")?.StringValue);
        Assert.Equal(run.ZombieStatusBefore, Otlp.Find(terminated.Attributes, "agent.old_status")?.StringValue);
        Assert.Equal("session_not_found", Otlp.Find(terminated.Attributes, "agent.termination_reason")?.StringValue);
    }

    [Fact]
    public void A_reconcile_links_to_the_tmux_view_span_it_judged_by()
    {
        var views = run.Receiver.Spans.Where(s => s.Name == "tmux.view").ToDictionary(s => s.SpanId, StringComparer.Ordinal);

        var linked = run.Repair.LinkedSpanIds.Where(views.ContainsKey).Select(id => views[id]).ToList();
        var view = Assert.Single(linked);
        Assert.True(view.IsRoot, view.ToString());
        Assert.Equal("Listed", view.Text("tmux.view.status"));
        Assert.Equal(run.Workspace.Truth.LiveSessions.Length, view.Number("tmux.sessions"));
    }

    [Fact]
    public void A_json_log_record_written_during_a_repair_carries_the_trace_and_span_ids_of_its_reconcile()
    {
        var records = run.Exit.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

        var terminated = Assert.Single(records, r => r.GetProperty("Message").GetString()!.StartsWith($"Zombie agent {run.Zombie.AgentId}", StringComparison.Ordinal));
        var scope = Assert.Single(terminated.GetProperty("Scopes").EnumerateArray(), s => s.TryGetProperty("TraceId", out _));
        Assert.Equal(run.Repair.TraceId, scope.GetProperty("TraceId").GetString());
        Assert.Equal(run.Repair.SpanId, scope.GetProperty("SpanId").GetString());
    }
}
