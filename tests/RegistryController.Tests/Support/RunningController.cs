using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RegistryController.Controller;
using RegistryController.Manager;
using Registryctl.Configuration;
using Registryctl.Hosting;

namespace RegistryController.Tests.Support;

/// <summary>
/// The controller of <c>registryctl run</c>, in process: a Generic Host with the same DI wiring,
/// watching a real workspace and a private tmux server. Started means the startup reconcile of
/// every registry is done (<see cref="ControllerManager.Ready"/>).
/// </summary>
public sealed class RunningController : IAsyncDisposable
{
    private readonly IHost _host;

    private RunningController(IHost host, ResolvedSettings settings, CapturedLogs logs)
    {
        _host = host;
        Settings = settings;
        Logs = logs;
    }

    public ResolvedSettings Settings { get; }

    public CapturedLogs Logs { get; }

    public ControllerManager Manager => _host.Services.GetRequiredService<ControllerManager>();

    public ControllerStatus Status => _host.Services.GetRequiredService<ControllerStatus>();

    public WorkspaceCache Cache => _host.Services.GetRequiredService<WorkspaceCaches>().For(Settings.Workspace);

    /// <param name="configure">Settings as a user would give them (strings, validated like the CLI's). By default
    /// the periodic tmux scan is once a minute, so that only the push and file paths can act within a test.</param>
    public static async Task<RunningController> StartAsync(string workspace, TmuxTestServer tmux, Action<ControllerSettings>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(tmux);
        var settings = new ControllerSettings { Workspace = workspace };
        settings.Tmux.Socket = tmux.SocketPath;
        settings.Controller.ScanInterval = "60s";
        configure?.Invoke(settings);
        var (resolved, errors) = SettingsValidator.Validate(settings, _ => null);
        Assert.True(resolved is not null, "settings: " + string.Join("; ", errors));

        var logs = new CapturedLogs();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddRegistryController(resolved);
        var host = builder.Build();
        var controller = new RunningController(host, resolved, logs);
        try
        {
            await host.StartAsync();
            await controller.Manager.Ready.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch
        {
            await controller.DisposeAsync();
            throw;
        }

        return controller;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(15));
        }
        finally
        {
            _host.Dispose();
        }
    }
}
