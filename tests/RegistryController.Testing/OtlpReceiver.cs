using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace RegistryController.Testing;

public enum OtlpTransport
{
    /// <summary>POST /v1/traces and /v1/metrics with protobuf bodies over HTTP/1.1.</summary>
    HttpProtobuf,

    /// <summary>The collector's gRPC services over cleartext HTTP/2.</summary>
    Grpc,
}

/// <summary>
/// An OTLP receiver on 127.0.0.1 and a free port, as a collector would be: it decodes each request
/// with the real OTLP messages compiled from opentelemetry-proto, keeps them, and lets a test wait
/// until what it expects has arrived. Started with <c>decode: false</c> it only reads, counts and
/// acknowledges (what a benchmark wants beside the code it times: no parsing cost in its process).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ExportTraceServiceRequest> _traces = new();
    private readonly ConcurrentQueue<ExportMetricsServiceRequest> _metrics = new();
    private readonly ConcurrentQueue<string> _rejected = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;
    private long _traceRequests;
    private long _metricRequests;
    private long _bytes;

    private OtlpReceiver(OtlpTransport transport, bool decode)
    {
        Transport = transport;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            listen.Protocols = transport == OtlpTransport.Grpc ? HttpProtocols.Http2 : HttpProtocols.Http1));
        if (transport == OtlpTransport.Grpc)
        {
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(this);
        }

        _app = builder.Build();
        if (transport == OtlpTransport.Grpc)
        {
            _app.MapGrpcService<TraceCollector>();
            _app.MapGrpcService<MetricsCollector>();
        }
        else if (decode)
        {
            _app.MapPost("/v1/traces", context => ReceiveAsync(context, ExportTraceServiceRequest.Parser, _traces, new ExportTraceServiceResponse()));
            _app.MapPost("/v1/metrics", context => ReceiveAsync(context, ExportMetricsServiceRequest.Parser, _metrics, new ExportMetricsServiceResponse()));
        }
        else
        {
            _app.MapPost("/v1/traces", context => DrainAsync(context, ref _traceRequests));
            _app.MapPost("/v1/metrics", context => DrainAsync(context, ref _metricRequests));
        }
    }

    public OtlpTransport Transport { get; }

    /// <summary>The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <summary>OTEL_EXPORTER_OTLP_PROTOCOL for this receiver.</summary>
    public string Protocol => Transport == OtlpTransport.Grpc ? "grpc" : "http/protobuf";

    /// <summary>Every request that reached the receiver, decodable or not.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests that were not OTLP protobuf (wrong content type or undecodable body).</summary>
    public IReadOnlyList<string> Rejected => [.. _rejected];

    public IReadOnlyList<ReceivedSpan> Spans => [.. _traces.SelectMany(r => r.ResourceSpans.SelectMany(rs => rs.ScopeSpans.SelectMany(ss => ss.Spans.Select(s => new ReceivedSpan(rs.Resource, ss.Scope, s)))))];

    public IReadOnlyList<ReceivedMetric> Metrics => [.. _metrics.SelectMany(r => r.ResourceMetrics.SelectMany(rm => rm.ScopeMetrics.SelectMany(sm => sm.Metrics.Select(m => new ReceivedMetric(rm.Resource, sm.Scope, m)))))];

    /// <param name="decode">False: over HTTP, read and count each request without decoding or keeping it.</param>
    public static async Task<OtlpReceiver> StartAsync(OtlpTransport transport = OtlpTransport.HttpProtobuf, bool decode = true)
    {
        var receiver = new OtlpReceiver(transport, decode);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Endpoint = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return receiver;
    }

    /// <summary>What a receiver that does not decode got.</summary>
    public override string ToString() => $"received {Interlocked.Read(ref _traceRequests)} trace and {Interlocked.Read(ref _metricRequests)} metric requests, {Interlocked.Read(ref _bytes)} bytes";

    /// <summary>The environment that points an OpenTelemetry SDK at this receiver.</summary>
    public Dictionary<string, string> ExporterEnvironment() => new(StringComparer.Ordinal)
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = Protocol,
        // Batches leave within 50 ms and metrics every 200 ms, so the tests wait on arrivals, not on timers.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "50",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
    };

    /// <summary>
    /// Waits until <paramref name="probe"/> returns a value (it is asked again on every arrival),
    /// and fails with <paramref name="what"/> and what did arrive if it has not within the timeout.
    /// </summary>
    public async Task<T> WaitForAsync<T>(Func<OtlpReceiver, T?> probe, string what, TimeSpan? timeout = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                arrived = _arrived.Task;
            }

            if (probe(this) is { } found)
            {
                return found;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(arrived, Task.Delay(left)) != arrived)
            {
                throw new TimeoutException($"waited for {what}; received {Requests} requests: spans [{string.Join(", ", Spans.Select(s => s.Name))}], metrics [{string.Join(", ", Metrics.Select(m => m.Name).Distinct())}], rejected [{string.Join("; ", Rejected)}]");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Arrived()
    {
        Interlocked.Increment(ref _requests);
        lock (_gate)
        {
            var previous = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            previous.TrySetResult();
        }
    }

    private async Task ReceiveAsync<TRequest>(HttpContext context, MessageParser<TRequest> parser, ConcurrentQueue<TRequest> into, IMessage response)
        where TRequest : IMessage<TRequest>
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        try
        {
            if (context.Request.ContentType != "application/x-protobuf")
            {
                _rejected.Enqueue($"{context.Request.Path}: content type {context.Request.ContentType}");
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                return;
            }

            into.Enqueue(parser.ParseFrom(body.ToArray()));
        }
        catch (InvalidProtocolBufferException ex)
        {
            _rejected.Enqueue($"{context.Request.Path}: {ex.Message}");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        finally
        {
            Arrived();
        }

        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.WriteAsync(response.ToByteArray());
    }

    private Task DrainAsync(HttpContext context, ref long counter)
    {
        Interlocked.Increment(ref counter);
        return DrainAsync(context);
    }

    private async Task DrainAsync(HttpContext context)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
        {
            Interlocked.Add(ref _bytes, read);
        }

        Arrived();
        context.Response.ContentType = "application/x-protobuf";
    }

    private sealed class TraceCollector(OtlpReceiver receiver) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            receiver._traces.Enqueue(request);
            receiver.Arrived();
            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }

    private sealed class MetricsCollector(OtlpReceiver receiver) : MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            receiver._metrics.Enqueue(request);
            receiver.Arrived();
            return Task.FromResult(new ExportMetricsServiceResponse());
        }
    }
}

/// <summary>One span as decoded from the wire, with the resource and scope it was sent under.</summary>
public sealed record ReceivedSpan(Resource Resource, InstrumentationScope Scope, Span Span)
{
    public string Name => Span.Name;

    public string SpanId => Convert.ToHexStringLower(Span.SpanId.Span);

    public string TraceId => Convert.ToHexStringLower(Span.TraceId.Span);

    public string ParentSpanId => Convert.ToHexStringLower(Span.ParentSpanId.Span);

    public bool IsRoot => Span.ParentSpanId.IsEmpty;

    /// <summary>The status code (a span whose status was never set carries no Status message).</summary>
    public OpenTelemetry.Proto.Trace.V1.Status.Types.StatusCode StatusCode => Span.Status?.Code ?? OpenTelemetry.Proto.Trace.V1.Status.Types.StatusCode.Unset;

    public string StatusMessage => Span.Status?.Message ?? string.Empty;

    public IEnumerable<string> LinkedSpanIds => Span.Links.Select(l => Convert.ToHexStringLower(l.SpanId.Span));

    public AnyValue? Attribute(string key) => Otlp.Find(Span.Attributes, key);

    public string? Text(string key) => Attribute(key)?.StringValue;

    public long? Number(string key) => Attribute(key) is { ValueCase: AnyValue.ValueOneofCase.IntValue } v ? v.IntValue : null;

    public bool? Flag(string key) => Attribute(key) is { ValueCase: AnyValue.ValueOneofCase.BoolValue } v ? v.BoolValue : null;

    public override string ToString() => $"{Name} {SpanId} parent={ParentSpanId} [{string.Join(", ", Span.Attributes.Select(a => $"{a.Key}={Otlp.Show(a.Value)}"))}]";
}

/// <summary>One metric as decoded from the wire.</summary>
public sealed record ReceivedMetric(Resource Resource, InstrumentationScope Scope, Metric Metric)
{
    public string Name => Metric.Name;
}

public static class Otlp
{
    public static AnyValue? Find(IEnumerable<KeyValue> attributes, string key) => attributes.FirstOrDefault(a => a.Key == key)?.Value;

    public static string Show(AnyValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => value.StringValue,
            AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
            AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
    }
}
