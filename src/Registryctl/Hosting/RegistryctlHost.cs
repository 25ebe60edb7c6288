using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RegistryController.Cluster;
using RegistryController.Controller;
using RegistryController.Pass;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Tmux;
using Registryctl.Configuration;

namespace Registryctl.Hosting;

/// <summary>
/// The Generic Host every command runs in: configuration from appsettings.json, then
/// <c>REGISTRYCTL_</c> environment variables, then flags; the engine's parts through DI.
/// </summary>
internal static class RegistryctlHost
{
    public const string EnvironmentPrefix = "REGISTRYCTL_";

    public static HostApplicationBuilder CreateBuilder(IEnumerable<KeyValuePair<string, string?>> flagOverrides)
    {
        // The empty builder skips the defaults' extra sources and console logger: a one-shot
        // health check should start in milliseconds and print only its report.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.GetCurrentDirectory() });
        AddSources(builder.Configuration, flagOverrides);
        return builder;
    }

    /// <summary>The configuration sources, in order of precedence (last wins).</summary>
    public static void AddSources(IConfigurationBuilder configuration, IEnumerable<KeyValuePair<string, string?>> flagOverrides)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration
            .AddInMemoryCollection(TelemetrySetup.OtelEnvironment())
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "registryctl.json"), optional: true)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddInMemoryCollection(flagOverrides);
    }

    /// <summary>Binds and validates every section's options record; errors name the setting.</summary>
    public static (ResolvedSettings? Settings, IReadOnlyList<string> Errors) Load(IConfiguration configuration) =>
        SettingsLoader.Load(configuration);

    public static IServiceCollection AddRegistryEngine(this IServiceCollection services, ResolvedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        services.AddSingleton(settings.Tmux);
        services.AddSingleton(settings.Reconcile);
        services.AddSingleton(settings.Lock);
        services.AddSingleton(settings.Store);
        services.AddSingleton(settings.Sqlite);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ITmuxViewSource>(sp => new TmuxCliViewSource(settings.Tmux));
        services.AddSingleton<IRegistryStore>(sp => new RegistryStore(settings.Store, settings.Lock, sp.GetRequiredService<TimeProvider>(), settings.Reconcile.ActiveStatuses));
        services.AddSingleton<WorkspaceReader>();
        services.AddSingleton<ReconcilePass>();
        return services;
    }

    /// <summary>The long-running controller's parts (registryctl run).</summary>
    public static IServiceCollection AddRegistryController(this IServiceCollection services, ResolvedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddRegistryEngine(settings);
        services.AddSingleton(new WatchedWorkspaces(settings.Workspaces));
        services.AddSingleton(settings.Controller);
        services.AddSingleton(settings.Queue);
        services.AddSingleton(sp => new TmuxViewCache(sp.GetRequiredService<ITmuxViewSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<WorkspaceCaches>();
        services.TryAddSingleton<IEventSink>(NullEventSink.Instance);
        services.TryAddSingleton<ILeadership>(AlwaysLeader.Instance);
        services.AddSingleton<ControllerStatus>();
        services.AddSingleton(sp => new WorkQueue<RegistryLocation>(settings.Queue, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<WorkspaceKeys>();
        services.AddSingleton<WorkspaceFileSources>();
        services.AddSingleton<TmuxSessionSource>();
        services.AddSingleton<OrphanTracker>();
        services.AddSingleton<ControllerScan>();
        // tmux's push asks for a scan, fired and forgotten until the host stops.
        services.AddSingleton(sp => new TmuxControlModeSource(
            settings.Tmux,
            sp.GetRequiredService<TmuxViewCache>(),
            () => _ = sp.GetRequiredService<ControllerScan>().ScanAsync(sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping),
            sp.GetRequiredService<ILogger<TmuxControlModeSource>>()));
        services.AddSingleton<RegistryReconciler>();
        services.AddSingleton<SqliteWorkspaceReconciler>();
        services.AddSingleton<ControllerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerManager>());
        services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Controller.ShutdownTimeout);
        return services;
    }
}
