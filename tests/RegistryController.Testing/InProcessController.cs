using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RegistryController.Controller;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Tmux;
using Registryctl.Configuration;
using Registryctl.Hosting;

namespace RegistryController.Testing;

/// <summary>
/// <c>registryctl run</c>'s controller hosted in-process, as the command hosts it
/// (<c>services.AddRegistryController(settings)</c> on the Generic Host), watching a real workspace
/// and a private tmux server, with its log records kept for the test and the same /healthz bound
/// the command computes. Started means the startup reconcile of every registry is done
/// (<see cref="ControllerManager.Ready"/>).
/// </summary>
public sealed class InProcessController : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessController(IHost host, ResolvedSettings settings, CapturedLogs logs)
    {
        _host = host;
        Settings = settings;
        Logs = logs;
        Manager = host.Services.GetRequiredService<ControllerManager>();
        Status = host.Services.GetRequiredService<ControllerStatus>();
    }

    public ResolvedSettings Settings { get; }

    public ControllerManager Manager { get; }

    public ControllerStatus Status { get; }

    public CapturedLogs Logs { get; }

    /// <summary>The store every read and write of the controller goes through (for its read counter).</summary>
    public RegistryStore Store => (RegistryStore)_host.Services.GetRequiredService<IRegistryStore>();

    /// <summary>The cache of the (first) watched workspace.</summary>
    public WorkspaceCache Cache => Manager.Caches.For(Settings.Workspace);

    /// <summary>The bound /healthz uses (ControllerStatus.WedgedBound).</summary>
    public TimeSpan WedgedBound => ControllerStatus.WedgedBound(Settings.Controller, Settings.Lock, Settings.Tmux);

    /// <summary>What /healthz would answer: null for "ok".</summary>
    public string? Wedged => Status.Wedged(WedgedBound);

    /// <summary>The controller's loop has not ended (it ends only on shutdown or an unhandled exception).</summary>
    public bool Running => Manager.ExecuteTask is { IsCompleted: false };

    /// <summary>Starts the controller with settings as a user would give them (configuration keys and strings, validated like the CLI's).</summary>
    /// <param name="configure">Changes to the defaults, e.g. <c>s => s["Controller:GuardHold"] = "2s"</c>. Before it, the periodic
    /// tmux scan is once a minute, so that only the push and file paths (and the controller's own timers) can act within a test.</param>
    public static Task<InProcessController> StartAsync(string workspace, TmuxTestServer tmux, Action<IDictionary<string, string?>>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(tmux);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Workspace"] = workspace,
            ["Tmux:Socket"] = tmux.SocketPath,
            ["Controller:ScanInterval"] = "60s",
        };
        configure?.Invoke(settings);
        var (resolved, errors) = SettingsLoader.Load(settings, _ => null);
        Assert.True(resolved is not null, "settings: " + string.Join("; ", errors));
        return StartAsync(resolved);
    }

    /// <summary>
    /// Starts the controller with typed options, below what the CLI would accept as a whole: fast scans,
    /// short lock waits and backoffs, and whatever tmux (e.g. a fake binary) the test gives.
    /// </summary>
    public static Task<InProcessController> StartAsync(string workspace, TmuxOptions tmux, Func<ControllerOptions, ControllerOptions>? controller = null) =>
        StartAsync(new ResolvedSettings(workspace, tmux, new ReconcileOptions(), new LockOptions { Timeout = TimeSpan.FromSeconds(5) }, new RegistryStoreOptions())
        {
            Workspaces = [workspace],
            Controller = (controller ?? (c => c))(new ControllerOptions { ScanInterval = TimeSpan.FromMilliseconds(250), ShutdownTimeout = TimeSpan.FromSeconds(5) }),
            Queue = new WorkQueueOptions { BackoffBase = TimeSpan.FromMilliseconds(50), BackoffMax = TimeSpan.FromMilliseconds(500) },
        });

    /// <summary>
    /// Starts the controller on one workspace with settings as <c>--set</c> would give them (e.g.
    /// <c>Reconcile:Grace=3s</c>), validated as <c>run</c> validates them, and keeps no log: a torture
    /// run is long and judges the registries, not the log.
    /// </summary>
    public static Task<InProcessController> StartAsync(string workspace, string tmuxSocket, IEnumerable<KeyValuePair<string, string?>> settings, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Workspaces:0", workspace), new("Tmux:Socket", tmuxSocket), .. settings])
            .Build();
        var (resolved, errors) = RegistryctlHost.Load(configuration);
        if (resolved is null || errors.Count > 0)
        {
            throw new ArgumentException("invalid controller settings: " + string.Join("; ", errors), nameof(settings));
        }

        return StartAsync(resolved, keepLogs: false, cancellationToken);
    }

    /// <summary>Hosts the controller on <paramref name="settings"/> and returns once its startup reconcile is done.</summary>
    public static Task<InProcessController> StartAsync(ResolvedSettings settings) => StartAsync(settings, keepLogs: true, CancellationToken.None);

    private static async Task<InProcessController> StartAsync(ResolvedSettings settings, bool keepLogs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var logs = new CapturedLogs();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (keepLogs)
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(logs);
        }

        builder.Services.AddRegistryController(settings);
        var host = builder.Build();
        var started = new InProcessController(host, settings, logs);
        Task first;
        try
        {
            await host.StartAsync(cancellationToken);
            first = await Task.WhenAny(started.Manager.Ready, started.Manager.ExecuteTask ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        // A loop that ended before Ready would leave the test waiting for nothing: say why it ended instead.
        if (first != started.Manager.Ready)
        {
            var why = first.Exception?.InnerException ?? first.Exception;
            await started.DisposeAsync();
            throw new InvalidOperationException($"the controller stopped before it was ready: {why?.GetType().Name}: {why?.Message}", why);
        }

        return started;
    }

    /// <summary>One of the controller's own parts, as the host composed it (e.g. its <see cref="RegistryReconciler"/>).</summary>
    public T Service<T>()
        where T : notnull => _host.Services.GetRequiredService<T>();

    /// <summary>Waits until every queued key has been reconciled and none is running.</summary>
    public Task WaitForIdleQueueAsync(TimeSpan deadline) =>
        Eventually.Until(() => Manager.Queue.Depth == 0 && Manager.Queue.InFlight == 0, deadline, "the work queue drained");

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _host.StopAsync(stop.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
