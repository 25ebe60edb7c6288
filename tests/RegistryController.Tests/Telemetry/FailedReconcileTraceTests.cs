using OpenTelemetry.Proto.Trace.V1;
using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>A reconcile that fails is exported as failed (status ERROR, naming the problem), in `run` and in the CLI.</summary>
public class FailedReconcileTraceTests
{
    private const string Problem = "not valid JSON";

    [Fact]
    public async Task A_running_controller_exports_the_reconcile_of_a_truncated_registry_with_status_error_naming_the_problem()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 0));
        var bad = workspace.TaskPath(workspace.TaskIds[1]);
        await TruncateAsync(bad);
        await using var controller = await RegistryctlProcess.StartControllerAsync(workspace.Root, workspace.Tmux.SocketPath, receiver.ExporterEnvironment());

        var reconcile = await receiver.WaitForAsync(r => r.Spans.FirstOrDefault(s => s.Name == "reconcile" && s.Text("registry.path") == bad), "the reconcile of the truncated registry");

        Assert.Equal(Status.Types.StatusCode.Error, reconcile.StatusCode);
        Assert.Contains(Problem, reconcile.StatusMessage, StringComparison.Ordinal);
        Assert.Equal("error", reconcile.Text("reconcile.outcome"));
        // The read that failed is its child, failed too, with the exception recorded as OpenTelemetry names it.
        var read = await receiver.WaitForAsync(r => r.Spans.FirstOrDefault(s => s.Name == "registry.read" && s.ParentSpanId == reconcile.SpanId), "the failed read under the reconcile");
        Assert.Equal(Status.Types.StatusCode.Error, read.StatusCode);
        var exception = Assert.Single(read.Span.Events, e => e.Name == "exception");
        Assert.Contains(Problem, Otlp.Find(exception.Attributes, "exception.message")?.StringValue, StringComparison.Ordinal);
        Assert.EndsWith("RegistryFormatException", Otlp.Find(exception.Attributes, "exception.type")?.StringValue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_exports_the_reconcile_of_a_truncated_registry_with_status_error_and_the_others_unset()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 0));
        var bad = workspace.TaskPath(workspace.TaskIds[1]);
        await TruncateAsync(bad);

        var result = await RegistryctlProcess.RunAsync(["health", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath], receiver.ExporterEnvironment());

        var reconciles = receiver.Spans.Where(s => s.Name == "reconcile").ToList();
        Assert.True(reconciles.Count == 3, $"{result}\n{string.Join('\n', reconciles)}");
        var failed = Assert.Single(reconciles, s => s.StatusCode == Status.Types.StatusCode.Error);
        Assert.Equal(bad, failed.Text("registry.path"));
        Assert.Contains(Problem, failed.StatusMessage, StringComparison.Ordinal);
        Assert.All(reconciles.Where(s => s != failed), s => Assert.Equal(Status.Types.StatusCode.Unset, s.StatusCode));
    }

    /// <summary>Cuts the file in half with python3, as a writer that died mid-write leaves it.</summary>
    private static async Task TruncateAsync(string path) =>
        await Python.RunAsync("import sys; p=sys.argv[1]; t=open(p).read(); open(p,'w').write(t[:len(t)//2])", path);
}
