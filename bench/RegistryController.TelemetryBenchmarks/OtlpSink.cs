using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RegistryController.TelemetryBenchmarks;

/// <summary>
/// An OTLP http/protobuf endpoint on 127.0.0.1 that reads and acknowledges every request, as a
/// collector does, and counts what it got (so a run can show that the traced case really exported).
/// </summary>
public sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _traceRequests;
    private long _metricRequests;
    private long _bytes;

    private OtlpSink()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        _app = builder.Build();
        _app.MapPost("/v1/traces", context => ReceiveAsync(context, ref _traceRequests));
        _app.MapPost("/v1/metrics", context => ReceiveAsync(context, ref _metricRequests));
    }

    public Uri Endpoint { get; private set; } = null!;

    public override string ToString() => $"received {Interlocked.Read(ref _traceRequests)} trace and {Interlocked.Read(ref _metricRequests)} metric requests, {Interlocked.Read(ref _bytes)} bytes";

    public static async Task<OtlpSink> StartAsync()
    {
        var sink = new OtlpSink();
        await sink._app.StartAsync();
        sink.Endpoint = new Uri(sink._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Task ReceiveAsync(HttpContext context, ref long counter)
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

        context.Response.ContentType = "application/x-protobuf";
    }
}
