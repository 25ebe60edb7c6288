using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RegistryController.Testing;

/// <summary>One request as the API server received it, and what it answered; <paramref name="Arrived"/> is the <see cref="System.Diagnostics.Stopwatch"/> timestamp of its arrival.</summary>
public sealed record ApiRequest(string Method, string Path, string? ContentType, JsonObject? Body, int Status, JsonObject Response, long Arrived);

/// <summary>How the fake API server answers.</summary>
public enum ApiMode
{
    Healthy,

    /// <summary>Every request gets 503.</summary>
    Failing,

    /// <summary>Requests are never answered (until the mode changes or the server stops).</summary>
    Hanging,
}

/// <summary>
/// A Kubernetes API server on 127.0.0.1 (Kestrel, a free port) that speaks the JSON of the few
/// endpoints the controller uses: core/v1 Events (create, patch) and coordination.k8s.io/v1 Leases
/// (get, create, replace with resourceVersion checks). KubernetesClient talks to it over real HTTP,
/// so the tests see the requests it really sends.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<ApiRequest> _requests = [];
    private readonly Dictionary<string, JsonObject> _events = [];
    private readonly Dictionary<string, JsonObject> _leases = [];
    private readonly WebApplication _app;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _resourceVersion = 100;
    private ApiMode _mode;

    private FakeKubernetesApi(WebApplication app)
    {
        _app = app;
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>Runs under the lock before a Lease replace is checked: lets a test play a rival writer.</summary>
    public Action<JsonObject>? BeforeLeaseReplace { get; set; }

    public ApiMode Mode
    {
        get
        {
            lock (_gate)
            {
                return _mode;
            }
        }
        set
        {
            lock (_gate)
            {
                _mode = value;
                if (value != ApiMode.Hanging)
                {
                    _released.TrySetResult();
                    _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
    }

    public IReadOnlyList<ApiRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyDictionary<string, JsonObject> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToDictionary(e => e.Key, e => (JsonObject)e.Value.DeepClone());
            }
        }
    }

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var api = new FakeKubernetesApi(app);
        app.Run(api.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        api.Address = new Uri(address);
        return api;
    }

    public IKubernetes Client() => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Address.ToString() });

    public JsonObject? Lease(string @namespace, string name)
    {
        lock (_gate)
        {
            return _leases.TryGetValue($"{@namespace}/{name}", out var lease) ? (JsonObject)lease.DeepClone() : null;
        }
    }

    /// <summary>Stores a Lease as if another client had written it.</summary>
    public void PutLease(string @namespace, string name, string? holder, int leaseDurationSeconds, DateTimeOffset renewTime)
    {
        lock (_gate)
        {
            _leases[$"{@namespace}/{name}"] = LeaseBody(@namespace, name, holder, leaseDurationSeconds, renewTime, NextVersion());
        }
    }

    /// <summary>Replaces a stored Lease's holder as a rival would (a new resourceVersion).</summary>
    public static void TakeOver(JsonObject lease, string holder, int leaseDurationSeconds)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var spec = lease["spec"]!.AsObject();
        spec["holderIdentity"] = holder;
        spec["leaseDurationSeconds"] = leaseDurationSeconds;
        spec["renewTime"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var version = long.Parse(lease["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        lease["metadata"]!["resourceVersion"] = (version + 1000).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Removes an Event as the API server does when its TTL runs out.</summary>
    public void ExpireEvent(string name)
    {
        lock (_gate)
        {
            _events.Remove(name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Mode = ApiMode.Healthy;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static JsonObject LeaseBody(string @namespace, string name, string? holder, int seconds, DateTimeOffset renewTime, string version) => new()
    {
        ["apiVersion"] = "coordination.k8s.io/v1",
        ["kind"] = "Lease",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["resourceVersion"] = version },
        ["spec"] = new JsonObject
        {
            ["holderIdentity"] = holder,
            ["leaseDurationSeconds"] = seconds,
            ["acquireTime"] = renewTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            ["renewTime"] = renewTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            ["leaseTransitions"] = 0,
        },
    };

    private string NextVersion() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = System.Diagnostics.Stopwatch.GetTimestamp();
        var request = context.Request;
        JsonObject? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            body = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync()) as JsonObject;
        }

        Task released;
        ApiMode mode;
        lock (_gate)
        {
            mode = _mode;
            released = _released.Task;
        }

        if (mode == ApiMode.Hanging)
        {
            await released.WaitAsync(context.RequestAborted);
        }

        int status;
        JsonObject response;
        lock (_gate)
        {
            (status, response) = _mode == ApiMode.Failing
                ? (503, StatusBody(503, "ServiceUnavailable", "the fake API server is failing"))
                : Route(request.Method, request.Path.Value ?? "", body);
            _requests.Add(new ApiRequest(request.Method, request.Path.Value ?? "", request.ContentType, body, status, (JsonObject)response.DeepClone(), arrived));
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString());
    }

    private (int Status, JsonObject Body) Route(string method, string path, JsonObject? body)
    {
        var parts = path.Trim('/').Split('/');
        // /api/v1/namespaces/{ns}/events[/{name}]
        if (parts is ["api", "v1", "namespaces", var eventNamespace, "events", .. var eventRest])
        {
            return (method, eventRest) switch
            {
                ("POST", []) => CreateEvent(eventNamespace, body!),
                ("PATCH", [var name]) => PatchEvent(name, body!),
                _ => (405, StatusBody(405, "MethodNotAllowed", $"{method} {path}")),
            };
        }

        // /apis/coordination.k8s.io/v1/namespaces/{ns}/leases[/{name}]
        if (parts is ["apis", "coordination.k8s.io", "v1", "namespaces", var leaseNamespace, "leases", .. var leaseRest])
        {
            return (method, leaseRest) switch
            {
                ("GET", [var name]) => _leases.TryGetValue($"{leaseNamespace}/{name}", out var lease)
                    ? (200, (JsonObject)lease.DeepClone())
                    : (404, StatusBody(404, "NotFound", $"leases.coordination.k8s.io \"{name}\" not found")),
                ("POST", []) => CreateLease(leaseNamespace, body!),
                ("PUT", [var name]) => ReplaceLease(leaseNamespace, name, body!),
                _ => (405, StatusBody(405, "MethodNotAllowed", $"{method} {path}")),
            };
        }

        return (404, StatusBody(404, "NotFound", $"the fake API server does not serve {path}"));
    }

    private (int, JsonObject) CreateEvent(string @namespace, JsonObject body)
    {
        var name = body["metadata"]?["name"]?.GetValue<string>() ?? "";
        if (_events.ContainsKey(name))
        {
            return (409, StatusBody(409, "AlreadyExists", $"events \"{name}\" already exists"));
        }

        var stored = (JsonObject)body.DeepClone();
        stored["metadata"]!["namespace"] = @namespace;
        stored["metadata"]!["resourceVersion"] = NextVersion();
        _events[name] = stored;
        return (201, (JsonObject)stored.DeepClone());
    }

    private (int, JsonObject) PatchEvent(string name, JsonObject patch)
    {
        if (!_events.TryGetValue(name, out var stored))
        {
            return (404, StatusBody(404, "NotFound", $"events \"{name}\" not found"));
        }

        foreach (var (key, value) in patch)
        {
            stored[key] = value?.DeepClone();
        }

        stored["metadata"]!["resourceVersion"] = NextVersion();
        return (200, (JsonObject)stored.DeepClone());
    }

    private (int, JsonObject) CreateLease(string @namespace, JsonObject body)
    {
        var name = body["metadata"]?["name"]?.GetValue<string>() ?? "";
        var key = $"{@namespace}/{name}";
        if (_leases.ContainsKey(key))
        {
            return (409, StatusBody(409, "AlreadyExists", $"leases.coordination.k8s.io \"{name}\" already exists"));
        }

        var stored = (JsonObject)body.DeepClone();
        stored["metadata"]!["namespace"] = @namespace;
        stored["metadata"]!["resourceVersion"] = NextVersion();
        _leases[key] = stored;
        return (201, (JsonObject)stored.DeepClone());
    }

    private (int, JsonObject) ReplaceLease(string @namespace, string name, JsonObject body)
    {
        var key = $"{@namespace}/{name}";
        if (!_leases.TryGetValue(key, out var stored))
        {
            return (404, StatusBody(404, "NotFound", $"leases.coordination.k8s.io \"{name}\" not found"));
        }

        BeforeLeaseReplace?.Invoke(stored);
        var sent = body["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (sent != stored["metadata"]!["resourceVersion"]!.GetValue<string>())
        {
            return (409, StatusBody(409, "Conflict", $"Operation cannot be fulfilled on leases.coordination.k8s.io \"{name}\": the object has been modified; please apply your changes to the latest version and try again"));
        }

        var replaced = (JsonObject)body.DeepClone();
        replaced["metadata"]!["resourceVersion"] = NextVersion();
        _leases[key] = replaced;
        return (200, (JsonObject)replaced.DeepClone());
    }

    private static JsonObject StatusBody(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };
}
