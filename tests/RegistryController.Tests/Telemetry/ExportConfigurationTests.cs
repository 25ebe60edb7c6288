using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>The standard OTEL_* variables that turn export on, off, or down, honoured by a one-shot `registryctl health`.</summary>
public class ExportConfigurationTests
{
    [Fact]
    public async Task OTEL_TRACES_SAMPLER_always_off_exports_the_metrics_but_no_span()
    {
        await using var receiver = await OtlpReceiver.StartAsync();

        var result = await HealthAsync(receiver, new() { ["OTEL_TRACES_SAMPLER"] = "always_off" });

        Assert.True(receiver.Metrics.Any(m => m.Name == "registryctl.reconciles"), $"no reconcile metrics arrived: {result}");
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task OTEL_SDK_DISABLED_true_exports_nothing_at_all()
    {
        await using var receiver = await OtlpReceiver.StartAsync();

        var result = await HealthAsync(receiver, new() { ["OTEL_SDK_DISABLED"] = "true" });

        // The report was printed, so the pass (and its flush) ran to the end; nothing reached the receiver.
        Assert.Contains("healthy", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, receiver.Requests);
    }

    [Fact]
    public async Task A_traces_only_endpoint_exports_spans_to_that_url_and_no_metrics()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = receiver.ExporterEnvironment();
        environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        // The per-signal variable is the full URL, path included (the general one gets /v1/traces appended).
        environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.Endpoint.TrimEnd('/') + "/v1/traces";

        var result = await HealthAsync(receiver, environment, replace: true);

        Assert.True(receiver.Spans.Any(s => s.Name == "reconcile"), $"no reconcile span arrived: {result}");
        Assert.Empty(receiver.Metrics);
    }

    [Fact]
    public async Task A_metrics_only_endpoint_exports_metrics_to_that_url_and_no_spans()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = receiver.ExporterEnvironment();
        environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        environment["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = receiver.Endpoint.TrimEnd('/') + "/v1/metrics";

        var result = await HealthAsync(receiver, environment, replace: true);

        Assert.True(receiver.Metrics.Any(m => m.Name == "registryctl.reconciles"), $"no reconcile metrics arrived: {result}");
        Assert.Empty(receiver.Spans);
    }

    [Fact]
    public async Task With_no_protocol_set_spans_are_exported_over_grpc_the_default()
    {
        await using var receiver = await OtlpReceiver.StartAsync(OtlpTransport.Grpc);
        var environment = receiver.ExporterEnvironment();
        environment.Remove("OTEL_EXPORTER_OTLP_PROTOCOL");

        var result = await HealthAsync(receiver, environment, replace: true);

        Assert.True(receiver.Spans.Count(s => s.Name == "reconcile") == 2, $"{result}\n{string.Join('\n', receiver.Spans)}");
        Assert.Contains(receiver.Metrics, m => m.Name == "registryctl.reconciles");
    }

    private static async Task<CliResult> HealthAsync(OtlpReceiver receiver, Dictionary<string, string> variables, bool replace = false)
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0));
        var environment = replace ? variables : receiver.ExporterEnvironment();
        foreach (var (key, value) in replace ? [] : variables)
        {
            environment[key] = value;
        }

        var result = await RegistryctlProcess.RunAsync(["health", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath], environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
