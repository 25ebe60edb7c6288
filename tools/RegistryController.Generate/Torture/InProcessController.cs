using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RegistryController.Controller;
using Registryctl.Hosting;

namespace RegistryController.Tools.Torture;

/// <summary>
/// The real controller of <c>registryctl run</c> (the same services, settings validation and
/// hosted manager) in this process, without the HTTP listener. No logger: a torture run is long and
/// judges the registries, not the log. (The tests host the controller with their own
/// <c>Support/InProcessController</c>, which keeps the log and fails through xunit.)
/// </summary>
public sealed class InProcessController : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessController(IHost host)
    {
        _host = host;
        Manager = host.Services.GetRequiredService<ControllerManager>();
        Status = host.Services.GetRequiredService<ControllerStatus>();
    }

    public ControllerManager Manager { get; }

    public ControllerStatus Status { get; }

    /// <summary>Starts the controller on one workspace and returns once its startup reconcile is done.</summary>
    /// <param name="settings">Settings as <c>--set</c> would give them, e.g. <c>Reconcile:Grace=3s</c>.</param>
    public static async Task<InProcessController> StartAsync(string workspace, string tmuxSocket, IEnumerable<KeyValuePair<string, string?>> settings, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Workspaces:0", workspace), new("Tmux:Socket", tmuxSocket), .. settings])
            .Build();
        var (resolved, errors) = RegistryctlHost.Load(configuration);
        if (resolved is null || errors.Count > 0)
        {
            throw new ArgumentException("invalid controller settings: " + string.Join("; ", errors), nameof(settings));
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddRegistryController(resolved);
        var host = builder.Build();
        var controller = new InProcessController(host);
        await host.StartAsync(cancellationToken);
        await controller.Manager.Ready.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return controller;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(15));
        _host.Dispose();
    }
}
