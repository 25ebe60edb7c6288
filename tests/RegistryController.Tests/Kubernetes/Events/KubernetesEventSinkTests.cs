using System.Diagnostics;
using RegistryController.Cluster;
using RegistryController.Kubernetes;
using RegistryController.Kubernetes.Events;

namespace RegistryController.Tests.Kubernetes.Events;

public class KubernetesEventSinkTests
{
    private static readonly KubernetesEnvironment Pod = new("registry-controller-7d9f", "agents", "0b6c4a52-5d1e-4f5e-9d1a-3f0e2a1b9c77", "node-a");
    private static readonly ControllerEvent Zombie = new(ControllerEventType.Normal, EventReasons.ZombieTerminated, "agent impl-1 in TASK-1 was running; session_not_found");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_event_is_created_on_the_controllers_own_pod()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var sink = new KubernetesEventSink(api.Client(), Pod);

        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 1, Deadline, "the event is written");

        var request = Assert.Single(api.Requests);
        Assert.Equal(("POST", "/api/v1/namespaces/agents/events", 201), (request.Method, request.Path, request.Status));
        var body = request.Body!;
        Assert.Equal("Pod", (string?)body["involvedObject"]!["kind"]);
        Assert.Equal("registry-controller-7d9f", (string?)body["involvedObject"]!["name"]);
        Assert.Equal("agents", (string?)body["involvedObject"]!["namespace"]);
        Assert.Equal(Pod.PodUid, (string?)body["involvedObject"]!["uid"]);
        Assert.Equal(("Normal", "ZombieTerminated", Zombie.Message, 1), ((string?)body["type"], (string?)body["reason"], (string?)body["message"], (int?)body["count"]));
        Assert.Equal(("registry-controller", "node-a"), ((string?)body["source"]!["component"], (string?)body["source"]!["host"]));
        Assert.StartsWith("registry-controller-7d9f.", (string?)body["metadata"]!["name"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repeat_patches_the_existing_event_with_a_higher_count()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var sink = new KubernetesEventSink(api.Client(), Pod);

        sink.Publish(Zombie);
        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 2, Deadline, "both events are dealt with");

        var requests = api.Requests;
        Assert.Equal(["POST", "PATCH"], requests.Select(r => r.Method));
        var name = (string?)requests[0].Body!["metadata"]!["name"];
        Assert.Equal($"/api/v1/namespaces/agents/events/{name}", requests[1].Path);
        Assert.Equal("application/strategic-merge-patch+json", requests[1].ContentType?.Split(';')[0]);
        Assert.Equal(2, (int?)requests[1].Body!["count"]);
        Assert.NotNull(requests[1].Body!["lastTimestamp"]);
        var stored = Assert.Single(api.Events);
        Assert.Equal(2, (int?)stored.Value["count"]);
    }

    [Fact]
    public async Task Another_message_is_another_event()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var sink = new KubernetesEventSink(api.Client(), Pod);

        sink.Publish(Zombie);
        sink.Publish(Zombie with { Message = "agent impl-2 in TASK-1 was running; session_not_found" });
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 2, Deadline, "both events are dealt with");

        Assert.Equal(["POST", "POST"], api.Requests.Select(r => r.Method));
        Assert.Equal(2, api.Events.Count);
    }

    [Fact]
    public async Task Repeats_past_the_burst_are_dropped_by_the_rate_limit()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var sink = new KubernetesEventSink(api.Client(), Pod, new EventSinkOptions { Burst = 3, RefillInterval = TimeSpan.FromHours(1) });

        for (var i = 0; i < 5; i++)
        {
            sink.Publish(Zombie);
        }

        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 5, Deadline, "all five are dealt with");

        Assert.Equal(["POST", "PATCH", "PATCH"], api.Requests.Select(r => r.Method));
        Assert.Equal(2, sink.Statistics.RateLimited);
        Assert.Equal(3, (int?)Assert.Single(api.Events).Value["count"]);
    }

    [Fact]
    public async Task The_rate_limit_lets_one_more_through_each_refill_interval()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2025-10-17T21:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var sink = new KubernetesEventSink(api.Client(), Pod, new EventSinkOptions { Burst = 1, RefillInterval = TimeSpan.FromMinutes(5) }, time);

        sink.Publish(Zombie);
        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 2, Deadline, "the first two are dealt with");
        time.Advance(TimeSpan.FromMinutes(5));
        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 3, Deadline, "the third is dealt with");

        Assert.Equal(["POST", "PATCH"], api.Requests.Select(r => r.Method));
        Assert.Equal(1, sink.Statistics.RateLimited);
    }

    [Fact]
    public async Task A_repeat_after_the_aggregation_window_is_a_new_event()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2025-10-17T21:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var sink = new KubernetesEventSink(api.Client(), Pod, new EventSinkOptions { AggregationWindow = TimeSpan.FromMinutes(10) }, time);

        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 1, Deadline, "the first is written");
        time.Advance(TimeSpan.FromMinutes(11));
        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 2, Deadline, "the second is written");

        Assert.Equal(["POST", "POST"], api.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task A_repeat_of_an_event_the_api_server_has_expired_creates_it_anew()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var sink = new KubernetesEventSink(api.Client(), Pod);

        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 1, Deadline, "the first is written");
        api.ExpireEvent(Assert.Single(api.Events).Key);
        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 2, Deadline, "the repeat is written");

        Assert.Equal([("POST", 201), ("PATCH", 404), ("POST", 201)], api.Requests.Select(r => (r.Method, r.Status)));
        Assert.Equal(1, (int?)Assert.Single(api.Events).Value["count"]);
        Assert.Equal(0, sink.Statistics.Failed);
    }

    [Fact]
    public async Task Publish_returns_at_once_and_nothing_throws_when_the_api_server_is_down()
    {
        var api = await FakeKubernetesApi.StartAsync();
        var client = api.Client();
        await api.DisposeAsync();
        await using var sink = new KubernetesEventSink(client, Pod);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 50; i++)
        {
            sink.Publish(Zombie with { Message = $"agent impl-{i} in TASK-1 was running; session_not_found" });
        }

        var publishing = clock.Elapsed;
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 50, Deadline, "every event has failed");

        Assert.True(publishing < TimeSpan.FromSeconds(1), $"50 publishes took {publishing.TotalMilliseconds} ms");
        Assert.Equal(50, sink.Statistics.Failed);
    }

    [Fact]
    public async Task A_hung_api_server_fills_the_queue_and_publish_drops_instead_of_waiting()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.Mode = ApiMode.Hanging;
        await using var sink = new KubernetesEventSink(api.Client(), Pod, new EventSinkOptions { QueueCapacity = 2, RequestTimeout = TimeSpan.FromSeconds(30), FlushTimeout = TimeSpan.FromMilliseconds(100) });

        sink.Publish(Zombie);
        await Eventually.HoldsAsync(() => api.Requests.Count == 0 && sink.Statistics is { Published: 1 } && QueueIsEmpty(sink), Deadline, "the first event is in flight");
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 9; i++)
        {
            sink.Publish(Zombie);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"9 publishes took {clock.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(7, sink.Statistics.Dropped);
    }

    [Fact]
    public async Task Stopping_writes_the_events_still_queued()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        // The bound on the flush is not what this test is about: generous, so a loaded machine's first request fits.
        var sink = new KubernetesEventSink(api.Client(), Pod, new EventSinkOptions { FlushTimeout = TimeSpan.FromSeconds(30) });

        sink.Publish(Zombie);
        sink.Publish(Zombie with { Reason = EventReasons.OrphanSession, Type = ControllerEventType.Warning, Message = "tmux session agent_x is named by no registry" });
        await sink.DisposeAsync();

        Assert.Equal(2, api.Events.Count);
    }

    // The drain loop has taken the first event off the queue once a second one fits with room to spare.
    private static bool QueueIsEmpty(KubernetesEventSink sink) => sink.QueuedCount == 0;
}
