using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RegistryController.Telemetry;

namespace Registryctl.Hosting;

/// <summary>
/// OpenTelemetry for every command, configured by the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT
/// (and the per-signal ones), OTEL_EXPORTER_OTLP_PROTOCOL (grpc, http/protobuf), OTEL_SERVICE_NAME,
/// OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG) and OTEL_SDK_DISABLED are all read by the SDK
/// itself. With no endpoint configured no exporter is added, so no connection is ever attempted.
/// </summary>
internal static class TelemetrySetup
{
    public const string DefaultServiceName = "registry-controller";

    /// <summary>The series each instrument has room for, per watched workspace (its cardinality limit).</summary>
    public const int SeriesPerWorkspace = 64;

    /// <summary>The OTEL_* variables, unprefixed, for the SDK (which reads them from IConfiguration).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> OtelEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Where(e => e.Key is string key && key.StartsWith("OTEL_", StringComparison.Ordinal))
            .Select(e => new KeyValuePair<string, string?>((string)e.Key, e.Value as string));

    /// <param name="workspaces">How many workspaces are watched: each brings its own series.</param>
    /// <param name="prometheus">Serve /metrics (the `run` command's health listener).</param>
    /// <param name="console">Print spans on stdout (Telemetry:Console), for local debugging.</param>
    public static IServiceCollection AddRegistryTelemetry(this IServiceCollection services, IConfiguration configuration, int workspaces, bool prometheus, bool console)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var tracesEndpoint = Has(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT") || Has(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var metricsEndpoint = Has(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT") || Has(configuration, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        var tracing = tracesEndpoint || console;
        var metrics = metricsEndpoint || prometheus;
        if (!tracing && !metrics)
        {
            return services;
        }

        var otel = services.AddOpenTelemetry().ConfigureResource(resource => Describe(resource, configuration));
        if (tracing)
        {
            otel.WithTracing(t =>
            {
                t.AddSource(RegistryTelemetry.Name);
                if (tracesEndpoint)
                {
                    t.AddOtlpExporter(o => ApplySignalVariables(o, configuration, "TRACES"));
                }

                if (console)
                {
                    t.AddConsoleExporter();
                }
            });
        }

        if (metrics)
        {
            otel.WithMetrics(m =>
            {
                m.AddMeter(RegistryTelemetry.Name);
                // The SDK sets aside its default of 2,000 series for every instrument at once, used or not: 1.7 MB of
                // an idle controller's 27. Ours are per workspace at most, by outcome and kind, or by reason and
                // ending (about 20), so each instrument gets room for SeriesPerWorkspace of each watched workspace.
                var limit = SeriesPerWorkspace * Math.Max(1, workspaces);
                m.AddView(instrument => instrument.Meter.Name == RegistryTelemetry.Name ? new MetricStreamConfiguration { CardinalityLimit = limit } : null);
                if (metricsEndpoint)
                {
                    m.AddOtlpExporter(o => ApplySignalVariables(o, configuration, "METRICS"));
                }

                if (prometheus)
                {
                    m.AddPrometheusExporter();
                }
            });
        }

        return services;
    }

    /// <summary>
    /// Service name and version, host name, process id, and the pod, namespace and node when the
    /// downward API provides them (POD_NAME, POD_NAMESPACE, NODE_NAME). OTEL_SERVICE_NAME and
    /// OTEL_RESOURCE_ATTRIBUTES, read by the SDK's environment detector, win over these defaults.
    /// </summary>
    private static void Describe(ResourceBuilder resource, IConfiguration configuration)
    {
        var named = Has(configuration, "OTEL_SERVICE_NAME")
            || (configuration["OTEL_RESOURCE_ATTRIBUTES"]?.Contains("service.name=", StringComparison.Ordinal) ?? false);
        resource.AddService(named ? configuration["OTEL_SERVICE_NAME"] ?? DefaultServiceName : DefaultServiceName, serviceVersion: RegistryTelemetry.Version, autoGenerateServiceInstanceId: false);
        var attributes = new List<KeyValuePair<string, object>>
        {
            new("host.name", Environment.MachineName),
            new("process.pid", Environment.ProcessId),
        };
        AddFromEnvironment(attributes, "k8s.pod.name", "POD_NAME");
        AddFromEnvironment(attributes, "k8s.namespace.name", "POD_NAMESPACE");
        AddFromEnvironment(attributes, "k8s.node.name", "NODE_NAME");
        resource.AddAttributes(attributes);
        // Re-applied last so that the operator's variables win over the defaults above.
        resource.AddEnvironmentVariableDetector();
    }

    private static void AddFromEnvironment(List<KeyValuePair<string, object>> attributes, string name, string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
        {
            attributes.Add(new(name, value));
        }
    }

    /// <summary>
    /// AddOtlpExporter reads only the general OTEL_EXPORTER_OTLP_* variables; the per-signal ones
    /// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, …), which win over them, are applied here. A per-signal
    /// endpoint is the full URL and is used as given, without /v1/{signal} appended.
    /// </summary>
    private static void ApplySignalVariables(OtlpExporterOptions options, IConfiguration configuration, string signal)
    {
        if (Uri.TryCreate(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]?.Trim(), UriKind.Absolute, out var endpoint))
        {
            options.Endpoint = endpoint;
        }

        switch (configuration[$"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"]?.Trim())
        {
            case "grpc":
                options.Protocol = OtlpExportProtocol.Grpc;
                break;
            case "http/protobuf":
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                break;
            default:
                break;
        }

        if (configuration[$"OTEL_EXPORTER_OTLP_{signal}_HEADERS"] is { Length: > 0 } headers)
        {
            options.Headers = headers;
        }

        if (int.TryParse(configuration[$"OTEL_EXPORTER_OTLP_{signal}_TIMEOUT"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var timeout))
        {
            options.TimeoutMilliseconds = timeout;
        }
    }

    private static bool Has(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);
}
