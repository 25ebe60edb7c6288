using RegistryController.Generation;

namespace RegistryController.Tests.Deploy;

/// <summary>
/// A real <c>registryctl run</c> on a generated one-task workspace (three live agents and a zombie,
/// which the startup reconcile ends) and a real Prometheus scraping it every second with the chart's
/// rules loaded. The zombie alert is rendered with test thresholds (any zombie in 5m, pending for 10m)
/// so that one killed session puts it pending; the rules are otherwise the shipped ones.
/// </summary>
public sealed class LivePrometheusFixture : IAsyncLifetime
{
    private TmuxWorkspace? _workspace;
    private RegistryctlProcess? _controller;
    private PrometheusServer? _prometheus;

    public TmuxWorkspace Workspace => _workspace ?? throw new InvalidOperationException("not started");

    public RegistryctlProcess Controller => _controller ?? throw new InvalidOperationException("not started");

    public PrometheusServer Prometheus => _prometheus ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        if (PromTools.MissingReason is not null)
        {
            return;
        }

        _workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 3, Zombie: 1));
        _controller = await RegistryctlProcess.StartControllerAsync(Workspace.Root, Workspace.Tmux.SocketPath);
        var rule = await ChartMonitoring.RenderRuleAsync("prometheusRule.zombies.threshold=0", "prometheusRule.zombies.window=5m", "prometheusRule.zombies.for=10m");
        _prometheus = await PrometheusServer.StartAsync(Controller.BaseAddress!.Authority, ChartMonitoring.ToRulesFile(rule.Spec));
        // The startup repair's zombie, scraped: from here the counter series exists, so a rise is an increase.
        await Prometheus.UntilAsync(
            async () => (await Prometheus.QueryAsync("sum(registryctl_zombies_terminated_total)")).Any(s => s.Value >= 1),
            TimeSpan.FromSeconds(90),
            "the startup repair's zombie scraped");
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }

        if (_workspace is not null)
        {
            await _workspace.DisposeAsync();
        }
    }
}
