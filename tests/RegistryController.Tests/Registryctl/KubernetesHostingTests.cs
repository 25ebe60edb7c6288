using Microsoft.Extensions.DependencyInjection;
using RegistryController.Cluster;
using RegistryController.Kubernetes;
using RegistryController.Kubernetes.Events;
using RegistryController.Kubernetes.Leadership;
using Registryctl.Commands;
using Registryctl.Configuration;
using Registryctl.Hosting;

namespace RegistryController.Tests.Registryctl;

public class KubernetesHostingTests
{
    private static readonly KubernetesEnvironment Pod = new("registry-controller-7d9f", "agents", "0b6c4a52", "node-a");

    private static ResolvedSettings Settings(string workspace, bool leaderElect = false)
    {
        var (settings, errors) = SettingsLoader.Load([new("Workspace", workspace), new("Leader:Enabled", leaderElect ? "true" : "false")]);
        Assert.Empty(errors);
        return settings!;
    }

    [Fact]
    public async Task Outside_a_cluster_events_go_nowhere_and_the_controller_always_leads()
    {
        using var temp = new TempDirectory();
        var settings = Settings(temp.Path);
        var services = new ServiceCollection().AddLogging().AddKubernetesIntegration(settings, cluster: null).AddRegistryController(settings);

        await using var provider = services.BuildServiceProvider();

        Assert.Same(NullEventSink.Instance, provider.GetRequiredService<IEventSink>());
        Assert.Same(AlwaysLeader.Instance, provider.GetRequiredService<ILeadership>());
    }

    [Fact]
    public async Task In_a_pod_events_are_recorded_on_the_pod_and_without_leader_election_it_always_leads()
    {
        using var temp = new TempDirectory();
        await using var api = await FakeKubernetesApi.StartAsync();
        var settings = Settings(temp.Path);
        var services = new ServiceCollection().AddLogging().AddKubernetesIntegration(settings, Pod, api.Client).AddRegistryController(settings);
        await using var provider = services.BuildServiceProvider();

        var sink = Assert.IsType<KubernetesEventSink>(provider.GetRequiredService<IEventSink>());
        sink.Publish(new ControllerEvent(ControllerEventType.Warning, EventReasons.MassTerminationHeld, "7 of 8 active agents would be terminated"));
        await Eventually.HoldsAsync(() => sink.Statistics.Settled == 1, TimeSpan.FromSeconds(10), "the event is written");

        Assert.Equal("MassTerminationHeld", (string?)Assert.Single(api.Events).Value["reason"]);
        Assert.Same(AlwaysLeader.Instance, provider.GetRequiredService<ILeadership>());
    }

    [Fact]
    public async Task In_a_pod_with_leader_election_the_lease_decides_who_writes()
    {
        using var temp = new TempDirectory();
        await using var api = await FakeKubernetesApi.StartAsync();
        var settings = Settings(temp.Path, leaderElect: true);
        var services = new ServiceCollection().AddLogging().AddKubernetesIntegration(settings, Pod, api.Client).AddRegistryController(settings);
        await using var provider = services.BuildServiceProvider();

        var leadership = Assert.IsType<LeaseLeadership>(provider.GetRequiredService<ILeadership>());

        Assert.StartsWith("registry-controller-7d9f_", leadership.Identity, StringComparison.Ordinal);
        Assert.False(leadership.IsLeader);
    }

    [Fact]
    public async Task Leader_election_outside_a_cluster_stops_run_with_a_message_naming_the_setting()
    {
        using var temp = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await RegistryctlCommand.RunAsync(["run", "--leader-elect", "--workspace", temp.Path, "--listen", "127.0.0.1:1"], output, error);

        Assert.Equal(ExitCodes.CannotRun, code);
        Assert.Contains("Leader:Enabled (--leader-elect)", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("15s", "15s", "2s", "Leader:LeaseDuration")]
    [InlineData("15s", "2s", "2s", "Leader:RenewDeadline")]
    [InlineData("15s", "10s", "soon", "Leader:RetryPeriod")]
    public void Leader_timings_that_could_let_two_leaders_write_are_refused_naming_the_setting(string leaseDuration, string renewDeadline, string retryPeriod, string named)
    {
        var (settings, errors) = SettingsLoader.Load(
        [
            new("Leader:Enabled", "true"),
            new("Leader:LeaseDuration", leaseDuration),
            new("Leader:RenewDeadline", renewDeadline),
            new("Leader:RetryPeriod", retryPeriod),
        ]);

        Assert.Null(settings);
        Assert.Contains(errors, e => e.StartsWith(named, StringComparison.Ordinal));
    }
}
