using System.Diagnostics;
using RegistryController.Kubernetes.Leadership;

namespace RegistryController.Tests.Kubernetes.Leadership;

public class LeaseLeadershipTests
{
    private const string Namespace = "agents";
    private const string LeaseName = "registry-controller";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    // Short periods so that a test takes a second or two; the same ratios as client-go's 15/10/2 s.
    private static readonly LeaseOptions Fast = new()
    {
        LeaseDuration = TimeSpan.FromSeconds(3),
        RenewDeadline = TimeSpan.FromSeconds(1),
        RetryPeriod = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public async Task A_missing_lease_is_created_and_its_creator_leads()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var leadership = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", Fast);

        await leadership.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => leadership.IsLeader, Deadline, "pod-a leads");
        await leadership.StopAsync(CancellationToken.None);

        var requests = api.Requests;
        Assert.Equal(("GET", 404), (requests[0].Method, requests[0].Status));
        Assert.Equal(("POST", "/apis/coordination.k8s.io/v1/namespaces/agents/leases", 201), (requests[1].Method, requests[1].Path, requests[1].Status));
        var spec = requests[1].Body!["spec"]!;
        Assert.Equal(("pod-a_1", 3), ((string?)spec["holderIdentity"], (int?)spec["leaseDurationSeconds"]));
    }

    [Fact]
    public async Task The_leader_renews_with_the_resource_version_it_read()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var leadership = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", Fast with { ReleaseOnStop = false });

        await leadership.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => api.Requests.Count(r => r.Method == "PUT") >= 2, Deadline, "two renewals");
        await leadership.StopAsync(CancellationToken.None);

        var requests = api.Requests.ToList();
        var firstRenewal = requests.First(r => r.Method == "PUT");
        var readBefore = requests[..requests.IndexOf(firstRenewal)].Last(r => r.Method == "GET");
        Assert.Equal((string?)readBefore.Response["metadata"]!["resourceVersion"], (string?)firstRenewal.Body!["metadata"]!["resourceVersion"]);
        Assert.Equal(200, firstRenewal.Status);
        var renewed = firstRenewal.Body!["spec"]!;
        Assert.Equal("pod-a_1", (string?)renewed["holderIdentity"]);
        Assert.True(Time(renewed["renewTime"]) > Time(readBefore.Response["spec"]!["renewTime"]));
        Assert.Equal(Time(readBefore.Response["spec"]!["acquireTime"]), Time(renewed["acquireTime"]));
    }

    [Fact]
    public async Task A_lease_held_by_a_live_rival_leaves_the_controller_a_follower_that_writes_nothing()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.PutLease(Namespace, LeaseName, "rival_9", leaseDurationSeconds: 3600, DateTimeOffset.UtcNow);
        using var leadership = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", Fast);

        await leadership.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => api.Requests.Count >= 5, Deadline, "five looks at the Lease");
        var leader = leadership.IsLeader;
        await leadership.StopAsync(CancellationToken.None);

        Assert.False(leader);
        Assert.Equal("rival_9", leadership.ObservedHolder);
        Assert.All(api.Requests, r => Assert.Equal("GET", r.Method));
    }

    [Fact]
    public async Task A_lease_nobody_renews_for_its_duration_is_taken_over()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        api.PutLease(Namespace, LeaseName, "gone_7", leaseDurationSeconds: 1, DateTimeOffset.UtcNow);
        using var leadership = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", Fast);

        await leadership.StartAsync(CancellationToken.None);
        var waited = await Eventually.HoldsAsync(() => leadership.IsLeader, Deadline, "pod-a takes over");
        await leadership.StopAsync(CancellationToken.None);

        // Not before the lease duration has passed on the controller's own clock.
        Assert.True(waited >= TimeSpan.FromSeconds(1), $"took over after {waited.TotalMilliseconds} ms");
        var takeover = api.Requests.First(r => r.Method == "PUT");
        Assert.Equal(("pod-a_1", 1), ((string?)takeover.Body!["spec"]!["holderIdentity"], (int?)takeover.Body!["spec"]!["leaseTransitions"]));
    }

    [Fact]
    public async Task A_conflict_on_the_resource_version_makes_the_leader_a_follower_at_once()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var leadership = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", Fast with { RenewDeadline = TimeSpan.FromSeconds(8), LeaseDuration = TimeSpan.FromSeconds(12) });
        await leadership.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => leadership.IsLeader, Deadline, "pod-a leads");

        // A rival writes the Lease between pod-a's read and its replace.
        api.BeforeLeaseReplace = lease => FakeKubernetesApi.TakeOver(lease, "rival_9", leaseDurationSeconds: 3600);
        await Eventually.HoldsAsync(() => api.Requests.Any(r => r.Status == 409), Deadline, "a 409 Conflict");
        api.BeforeLeaseReplace = null;
        var lost = await Eventually.HoldsAsync(() => !leadership.IsLeader, Deadline, "pod-a follows");
        await leadership.StopAsync(CancellationToken.None);

        // Long before the 8 s renew deadline: the conflict itself ended the leadership.
        Assert.True(lost < TimeSpan.FromSeconds(4), $"still leading {lost.TotalMilliseconds} ms after the conflict");
        Assert.Equal("rival_9", (string?)api.Lease(Namespace, LeaseName)!["spec"]!["holderIdentity"]);
    }

    [Theory]
    [InlineData(ApiMode.Failing)]
    [InlineData(ApiMode.Hanging)]
    public async Task A_leader_that_cannot_renew_stops_leading_within_the_renew_deadline(ApiMode failure)
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        // Renewals 300 ms apart, each request allowed 500 ms (half the deadline): a loop that only
        // noticed the deadline between attempts would still be leading 300 to 600 ms past it after a hang.
        var options = Fast with { RetryPeriod = TimeSpan.FromMilliseconds(300), ReleaseOnStop = false };
        using var leadership = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", options);
        await leadership.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => leadership.IsLeader, Deadline, "pod-a leads");

        api.Mode = failure;
        // The last moment pod-a was seen leading; a sample is taken before the question is asked.
        var lastLeading = Stopwatch.GetTimestamp();
        await Eventually.HoldsAsync(
            () =>
            {
                var asked = Stopwatch.GetTimestamp();
                if (!leadership.IsLeader)
                {
                    return true;
                }

                lastLeading = asked;
                return false;
            },
            Deadline,
            "pod-a stops leading");
        var answered = api.Requests;
        api.Mode = ApiMode.Healthy;
        await leadership.StopAsync(CancellationToken.None);

        // Measured from when the read of the last renewal that succeeded reached the API server (a renewal
        // starts before its read arrives), not from a test's poll: a loaded machine cannot make it pass
        // a leader that led too long, nor fail one that stopped in time.
        var renewal = answered.Last(r => (r.Method, r.Status) is ("PUT", 200) or ("POST", 201));
        var read = answered.Take(answered.ToList().IndexOf(renewal)).Last(r => r.Method == "GET");
        var led = Stopwatch.GetElapsedTime(read.Arrived, lastLeading);
        Assert.True(led < options.RenewDeadline, $"still leading {led.TotalMilliseconds} ms after the last renewal that succeeded began");
    }

    [Fact]
    public async Task A_leader_whose_api_server_comes_back_before_anyone_took_over_leads_again()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var leadership = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", Fast);
        await leadership.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => leadership.IsLeader, Deadline, "pod-a leads");
        api.Mode = ApiMode.Failing;
        await Eventually.HoldsAsync(() => !leadership.IsLeader, Deadline, "pod-a stops leading");

        api.Mode = ApiMode.Healthy;
        await Eventually.HoldsAsync(() => leadership.IsLeader, Deadline, "pod-a leads again");
        await leadership.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stopping_the_leader_releases_the_lease()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var leadership = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", Fast);
        await leadership.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => leadership.IsLeader, Deadline, "pod-a leads");

        await leadership.StopAsync(CancellationToken.None);

        Assert.False(leadership.IsLeader);
        var spec = api.Lease(Namespace, LeaseName)!["spec"]!;
        Assert.Null((string?)spec["holderIdentity"]);
        Assert.Equal(1, (int?)spec["leaseDurationSeconds"]);
    }

    [Fact]
    public async Task Of_two_candidates_exactly_one_leads()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var a = new LeaseLeadership(api.Client(), Namespace, "pod-a_1", Fast with { ReleaseOnStop = false });
        using var b = new LeaseLeadership(api.Client(), Namespace, "pod-b_2", Fast with { ReleaseOnStop = false });

        await Task.WhenAll(a.StartAsync(CancellationToken.None), b.StartAsync(CancellationToken.None));
        await Eventually.HoldsAsync(() => a.IsLeader || b.IsLeader, Deadline, "someone leads");
        // Both keep going for a while: the follower must stay a follower all along.
        var renewals = api.Requests.Count(r => r.Method == "PUT");
        var bothLed = false;
        await Eventually.HoldsAsync(
            () =>
            {
                bothLed |= a.IsLeader && b.IsLeader;
                return api.Requests.Count(r => r.Method == "PUT") >= renewals + 5;
            },
            Deadline,
            "five more renewals");
        var (aLeads, bLeads) = (a.IsLeader, b.IsLeader);
        await Task.WhenAll(a.StopAsync(CancellationToken.None), b.StopAsync(CancellationToken.None));

        Assert.False(bothLed);
        Assert.True(aLeads ^ bLeads);
        Assert.Equal(aLeads ? "pod-a_1" : "pod-b_2", (string?)api.Lease(Namespace, LeaseName)!["spec"]!["holderIdentity"]);
    }

    private static DateTime Time(System.Text.Json.Nodes.JsonNode? value) =>
        DateTime.Parse((string)value!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
}
