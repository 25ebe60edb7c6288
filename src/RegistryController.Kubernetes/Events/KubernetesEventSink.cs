using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RegistryController.Cluster;

namespace RegistryController.Kubernetes.Events;

/// <summary>
/// Records controller events as Kubernetes Events on the controller's own Pod, so that
/// <c>kubectl describe pod</c> and <c>kubectl get events</c> show them. Like client-go's event
/// recorder: a repeat of the same type, reason and message within the aggregation window patches the
/// existing Event (count + 1, lastTimestamp) instead of creating another, and each such key has a
/// token bucket (burst 25, one more every 5 minutes) past which repeats are dropped.
/// <see cref="Publish"/> only puts the event on a bounded channel: a background task does the HTTP,
/// so an unreachable API server never blocks or fails a reconcile; when the channel is full the
/// event is dropped and counted.
/// </summary>
public sealed partial class KubernetesEventSink : IEventSink, IHostedService, IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly KubernetesEnvironment _pod;
    private readonly EventSinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<EventKey, Recorded> _recorded = [];
    private readonly Dictionary<EventKey, TokenBucket> _buckets = [];
    private readonly Task _drain;
    private long _published;
    private long _dropped;
    private long _created;
    private long _patched;
    private long _rateLimited;
    private long _failed;
    private long _lastNameStamp;
    private bool _reachable = true;
    private int _disposed;

    public KubernetesEventSink(IKubernetes client, KubernetesEnvironment pod, EventSinkOptions? options = null, TimeProvider? time = null, ILogger<KubernetesEventSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pod);
        _client = client;
        _pod = pod;
        _options = options ?? new EventSinkOptions();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _drain = Task.Run(DrainAsync);
    }

    public EventSinkStatistics Statistics => new(
        Interlocked.Read(ref _published),
        Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _created),
        Interlocked.Read(ref _patched),
        Interlocked.Read(ref _rateLimited),
        Interlocked.Read(ref _failed));

    /// <summary>Events waiting in the channel (not counting the one being written).</summary>
    internal int QueuedCount => _queue.Reader.Count;

    /// <summary>Queues the event and returns at once; never throws.</summary>
    public void Publish(ControllerEvent controllerEvent)
    {
        if (controllerEvent is null)
        {
            return;
        }

        Interlocked.Increment(ref _published);
        // Wait mode makes TryWrite say false when the channel is full (the drop modes would
        // report success and lose the event silently).
        if (!_queue.Writer.TryWrite(new Pending(controllerEvent, _time.GetUtcNow())))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops taking events and writes what is queued for at most the flush timeout.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _drain.WaitAsync(_options.FlushTimeout, _time, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // What is left is dropped: shutdown must not wait on an API server.
        }
        finally
        {
            await _stopping.CancelAsync();
        }

        try
        {
            await _drain;
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private async Task DrainAsync()
    {
        await foreach (var pending in _queue.Reader.ReadAllAsync(_stopping.Token))
        {
            try
            {
                await RecordAsync(pending);
                if (!_reachable)
                {
                    _reachable = true;
                    LogRecordingAgain(_logger);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failed);
                if (_reachable)
                {
                    _reachable = false;
                    LogCannotRecord(_logger, e, pending.Event.Reason);
                }
            }
        }
    }

    private async Task RecordAsync(Pending pending)
    {
        var message = pending.Event.Message.Length > _options.MaxMessageLength
            ? pending.Event.Message[.._options.MaxMessageLength]
            : pending.Event.Message;
        var key = new EventKey(pending.Event.Type, pending.Event.Reason, message);

        if (!Bucket(key).TryTake(_time))
        {
            Interlocked.Increment(ref _rateLimited);
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_options.RequestTimeout);

        if (_recorded.TryGetValue(key, out var previous) && pending.At - previous.LastSeen <= _options.AggregationWindow)
        {
            var count = previous.Count + 1;
            try
            {
                var patch = new V1Patch(RepeatPatch(count, pending.At, message), V1Patch.PatchType.StrategicMergePatch);
                await _client.CoreV1.PatchNamespacedEventAsync(patch, previous.Name, _pod.Namespace, cancellationToken: timeout.Token);
                _recorded[key] = previous with { Count = count, LastSeen = pending.At };
                Interlocked.Increment(ref _patched);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // The API server has expired the Event (its TTL is an hour by default): start a new one.
                _recorded.Remove(key);
            }
        }

        var name = NextName(pending.At);
        var created = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = _pod.Namespace },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Name = _pod.PodName,
                NamespaceProperty = _pod.Namespace,
                Uid = _pod.PodUid,
            },
            Type = pending.Event.Type.ToString(),
            Reason = pending.Event.Reason,
            Message = message,
            Source = new V1EventSource { Component = _options.Component, Host = _pod.NodeName },
            ReportingComponent = _options.Component,
            ReportingInstance = _pod.PodName,
            FirstTimestamp = pending.At.UtcDateTime,
            LastTimestamp = pending.At.UtcDateTime,
            Count = 1,
        };
        await _client.CoreV1.CreateNamespacedEventAsync(created, _pod.Namespace, cancellationToken: timeout.Token);
        Remember(key, new Recorded(name, 1, pending.At));
        Interlocked.Increment(ref _created);
    }

    private TokenBucket Bucket(EventKey key)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= _options.MaxKeys)
            {
                _buckets.Clear();
            }

            bucket = new TokenBucket(_options.Burst, _options.RefillInterval, _time.GetTimestamp());
            _buckets[key] = bucket;
        }

        return bucket;
    }

    private void Remember(EventKey key, Recorded recorded)
    {
        if (_recorded.Count >= _options.MaxKeys && !_recorded.ContainsKey(key))
        {
            var oldest = _recorded.MinBy(r => r.Value.LastSeen).Key;
            _recorded.Remove(oldest);
        }

        _recorded[key] = recorded;
    }

    /// <summary>As client-go names Events: the object's name, a dot, the time in hex nanoseconds (kept unique).</summary>
    private string NextName(DateTimeOffset at)
    {
        var stamp = Math.Max((at.ToUnixTimeMilliseconds() * 1_000_000) + (at.Ticks % TimeSpan.TicksPerMillisecond * 100), _lastNameStamp + 1);
        _lastNameStamp = stamp;
        return string.Create(CultureInfo.InvariantCulture, $"{_pod.PodName}.{stamp:x}");
    }

    /// <summary>
    /// The patch body as JSON text, which KubernetesClient sends as it is: any other content it serializes
    /// with its source-generated context, which knows its models and not a dictionary of values.
    /// </summary>
    private static string RepeatPatch(int count, DateTimeOffset at, string message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("count", count);
            json.WriteString("lastTimestamp", Rfc3339(at));
            json.WriteString("message", message);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes events are being recorded again")]
    private static partial void LogRecordingAgain(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record a Kubernetes event ({Reason}); events fail until the API server answers")]
    private static partial void LogCannotRecord(ILogger logger, Exception exception, string reason);

    private readonly record struct Pending(ControllerEvent Event, DateTimeOffset At);

    private readonly record struct EventKey(ControllerEventType Type, string Reason, string Message);

    private sealed record Recorded(string Name, int Count, DateTimeOffset LastSeen);
}
