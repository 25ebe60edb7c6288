using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Timeout;
using RegistryController.Cluster;

namespace RegistryController.Kubernetes.Leadership;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, for several controllers that share one
/// workspace and one tmux server: all of them judge and serve health and metrics, only the holder
/// of the Lease writes.
/// </summary>
/// <remarks>
/// The loop follows client-go's: every <see cref="LeaseOptions.RetryPeriod"/> read the Lease; create
/// it if it is missing; renew it if this controller holds it; take it over (with the resourceVersion
/// just read, so that of two candidates only one wins and the other gets 409 Conflict) if nobody has
/// been seen to renew it for its lease duration, measured on this controller's own clock from when
/// the record last changed (no trust in other machines' clocks).
/// <see cref="IsLeader"/> is computed when asked: true only while the last successful renewal
/// started less than <see cref="LeaseOptions.RenewDeadline"/> ago, so a leader that cannot reach the
/// API server stops writing within the renew deadline even if a request hangs, and before anyone else
/// may take over (the lease duration is longer). KubernetesClient's own k8s.LeaderElection.LeaderElector
/// was not used: its IsLeader() keeps answering true after the renew deadline has passed (it reads
/// the last record it saw), a renewal attempt that outlives the deadline keeps running and can
/// renew the Lease behind the elector's back, and a connection error while acquiring ends RunAsync
/// with an exception.
/// </remarks>
public sealed partial class LeaseLeadership : BackgroundService, ILeadership
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly LeaseOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _call;
    private int _leading;
    private long _renewStarted;
    private string? _observedKey;
    private long _observedAt;
    private string? _observedHolder;
    private string? _lastFailure;

    public LeaseLeadership(IKubernetes client, string leaseNamespace, string identity, LeaseOptions? options = null, TimeProvider? time = null, ILogger<LeaseLeadership>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(leaseNamespace);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        _client = client;
        _options = options ?? new LeaseOptions();
        _namespace = _options.LeaseNamespace is { Length: > 0 } configured ? configured : leaseNamespace;
        Identity = identity;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        // One API call may take half the renew deadline: a hung request leaves time for another try.
        _call = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = _options.RenewDeadline / 2 })
            .Build();
    }

    /// <summary>This controller's holderIdentity (the Pod's name and a random suffix, as client-go).</summary>
    public string Identity { get; }

    /// <summary>The holder last seen on the Lease (this controller or another), or null.</summary>
    public string? ObservedHolder => Volatile.Read(ref _observedHolder);

    public bool IsLeader =>
        Volatile.Read(ref _leading) == 1
        && _time.GetElapsedTime(Interlocked.Read(ref _renewStarted)) < _options.RenewDeadline;

    public static string NewIdentity(string podName) => $"{podName}_{Guid.NewGuid():N}";

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var wasLeading = Interlocked.Exchange(ref _leading, 0) == 1;
        if (wasLeading && _options.ReleaseOnStop)
        {
            await ReleaseAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogCandidate(_logger, Identity, _namespace, _options.LeaseName);
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            try
            {
                await TryAcquireOrRenewAsync(started, stoppingToken);
                _lastFailure = null;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException)
            {
                // Transient: a leader goes on renewing until its deadline, a follower keeps trying.
                var failure = e.GetType().Name;
                if (_lastFailure != failure)
                {
                    _lastFailure = failure;
                    LogApiFailure(_logger, e, _namespace, _options.LeaseName);
                }
            }

            if (Volatile.Read(ref _leading) == 1 && _time.GetElapsedTime(Interlocked.Read(ref _renewStarted)) >= _options.RenewDeadline)
            {
                Volatile.Write(ref _leading, 0);
                LogDeadlinePassed(_logger, _options.RenewDeadline.TotalSeconds);
            }

            var delay = Volatile.Read(ref _leading) == 1
                ? _options.RetryPeriod
                : _options.RetryPeriod * (1 + (Random.Shared.NextDouble() * 0.2));
            try
            {
                await Task.Delay(delay, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task TryAcquireOrRenewAsync(long started, CancellationToken cancellationToken)
    {
        V1Lease? lease;
        try
        {
            lease = await _call.ExecuteAsync(async token => await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _namespace, cancellationToken: token), cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            lease = null;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var seconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds);
        if (lease is null)
        {
            var fresh = new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _namespace },
                Spec = new V1LeaseSpec { HolderIdentity = Identity, LeaseDurationSeconds = seconds, AcquireTime = now, RenewTime = now, LeaseTransitions = 0 },
            };
            try
            {
                var created = await _call.ExecuteAsync(async token => await _client.CoordinationV1.CreateNamespacedLeaseAsync(fresh, _namespace, cancellationToken: token), cancellationToken);
                Observe(created);
                Renewed(started);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // Another candidate created it first.
                Lose(null);
            }

            return;
        }

        Observe(lease);
        var spec = lease.Spec ?? new V1LeaseSpec();
        var holder = spec.HolderIdentity;
        if (!string.IsNullOrEmpty(holder) && holder != Identity && !Expired(spec))
        {
            Lose(holder);
            return;
        }

        if (holder != Identity)
        {
            spec.AcquireTime = now;
            spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
        }

        spec.HolderIdentity = Identity;
        spec.RenewTime = now;
        spec.LeaseDurationSeconds = seconds;
        lease.Spec = spec;
        try
        {
            // The resourceVersion read above travels in the body: a concurrent change gets 409.
            var replaced = await _call.ExecuteAsync(async token => await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _namespace, cancellationToken: token), cancellationToken);
            Observe(replaced);
            Renewed(started);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            Lose(null);
        }
    }

    private async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            var lease = await _call.ExecuteAsync(async token => await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _namespace, cancellationToken: token), cancellationToken);
            if (lease.Spec?.HolderIdentity != Identity)
            {
                return;
            }

            var now = _time.GetUtcNow().UtcDateTime;
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = now;
            lease.Spec.AcquireTime = now;
            await _call.ExecuteAsync(async token => await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _namespace, cancellationToken: token), cancellationToken);
            LogReleased(_logger, _namespace, _options.LeaseName);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException)
        {
            // The others take over when the lease duration has passed.
        }
    }

    private bool Expired(V1LeaseSpec spec)
    {
        var duration = spec.LeaseDurationSeconds is > 0 and var s ? TimeSpan.FromSeconds(s) : _options.LeaseDuration;
        return _time.GetElapsedTime(Interlocked.Read(ref _observedAt)) >= duration;
    }

    private void Observe(V1Lease lease)
    {
        var spec = lease.Spec;
        var key = $"{lease.Metadata?.ResourceVersion}|{spec?.HolderIdentity}|{spec?.RenewTime:O}";
        if (key != _observedKey)
        {
            _observedKey = key;
            Interlocked.Exchange(ref _observedAt, _time.GetTimestamp());
        }

        var holder = spec?.HolderIdentity;
        if (Interlocked.Exchange(ref _observedHolder, holder) != holder && holder is not null && holder != Identity)
        {
            LogNewLeader(_logger, holder);
        }
    }

    private void Renewed(long started)
    {
        Interlocked.Exchange(ref _renewStarted, started);
        if (Interlocked.Exchange(ref _leading, 1) == 0)
        {
            LogLeading(_logger, Identity, _namespace, _options.LeaseName);
        }
    }

    private void Lose(string? holder)
    {
        if (Interlocked.Exchange(ref _leading, 0) == 1)
        {
            LogLost(_logger, holder ?? "another candidate");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader election as {Identity} on Lease {Namespace}/{Lease}; writing only while leading")]
    private static partial void LogCandidate(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading as {Identity} (Lease {Namespace}/{Lease}): this controller writes")]
    private static partial void LogLeading(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the Lease to {Holder}: this controller stops writing")]
    private static partial void LogLost(ILogger logger, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the Lease for {Seconds} s: this controller stops writing")]
    private static partial void LogDeadlinePassed(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Holder} leads; this controller judges and serves health but does not write")]
    private static partial void LogNewLeader(ILogger logger, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Namespace}/{Lease}: the API server did not answer")]
    private static partial void LogApiFailure(ILogger logger, Exception exception, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released the Lease {Namespace}/{Lease}")]
    private static partial void LogReleased(ILogger logger, string @namespace, string lease);
}
