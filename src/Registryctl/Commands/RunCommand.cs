using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RegistryController.Configuration;
using RegistryController.Controller;
using RegistryController.Kubernetes;
using RegistryController.Kubernetes.Leadership;
using Registryctl.Configuration;
using Registryctl.Hosting;

namespace Registryctl.Commands;

/// <summary>
/// <c>registryctl run</c>: the long-running controller on the Generic Host, with its health
/// listener. SIGTERM or SIGINT stops taking work, lets the reconcile in flight finish within the
/// shutdown bound, and exits 0.
/// </summary>
internal static class RunCommand
{
    public const string Name = "run";
    public const string Description = "Run the controller: watch the registries and tmux, and reconcile every discrepancy as it happens";

    /// <summary>The defaults the flags' help shows, from the records that own them.</summary>
    private static readonly (ControllerOptions Controller, LogOptions Log, LeaseOptions Lease) Defaults = (new(), new(), new());

    public static Command Create()
    {
        var common = new CommonFlags();
        var workspaces = new Option<string[]>("--workspace", "-w")
        {
            Description = "A workspace to watch (repeatable) [default: $CLAUDE_ORCHESTRATOR_WORKSPACE, then ./.agent-workspace]",
            Arity = ArgumentArity.OneOrMore,
        };
        var listen = new Option<string?>("--listen") { Description = $"host:port of the health listener [default: {Defaults.Controller.Listen}]" };
        var killOrphans = new Option<string?>("--kill-orphans-after")
        {
            Description = $"Kill an agent_ session that has been an orphan of every watched workspace this long [default: {Duration.Format(Defaults.Controller.KillOrphansAfter, ControllerOptions.NeverKill)}]",
        };
        var grace = CommonFlags.Grace();
        var logFormat = new Option<string?>("--log-format") { Description = $"text or json [default: {Defaults.Log.Format.ToString().ToLowerInvariant()}]" };
        var leaderElect = new Option<bool>("--leader-elect")
        {
            Description = $"Only the holder of a Kubernetes Lease writes (several controllers on one workspace) [default: {(Defaults.Lease.Enabled ? "on" : "off")}]",
        };
        var command = new Command(Name, Description);
        command.Options.Add(workspaces);
        common.AddTo(command);
        command.Options.Add(listen);
        command.Options.Add(killOrphans);
        command.Options.Add(grace);
        command.Options.Add(logFormat);
        command.Options.Add(leaderElect);
        command.SetAction(async (parse, token) =>
        {
            var problems = new List<string>();
            var overrides = common.ToConfiguration(parse, problems);
            var roots = parse.GetValue(workspaces) ?? [];
            for (var i = 0; i < roots.Length; i++)
            {
                overrides.Add(new($"{nameof(WorkspaceOptions.Workspaces)}:{i}", roots[i]));
            }

            CommonFlags.Put(overrides, OptionsRules.Key(ControllerOptions.Section, nameof(ControllerOptions.Listen)), parse.GetValue(listen));
            CommonFlags.Put(overrides, OptionsRules.Key(ControllerOptions.Section, nameof(ControllerOptions.KillOrphansAfter)), parse.GetValue(killOrphans));
            CommonFlags.Put(overrides, CommonFlags.GraceKey, parse.GetValue(grace));
            CommonFlags.Put(overrides, OptionsRules.Key(LogOptions.Section, nameof(LogOptions.Format)), parse.GetValue(logFormat));
            if (parse.GetValue(leaderElect))
            {
                overrides.Add(new(OptionsRules.Key(LeaseOptions.Section, nameof(LeaseOptions.Enabled)), "true"));
            }

            return await RunAsync(parse.InvocationConfiguration.Error, overrides, problems, token);
        });
        return command;
    }

    private static async Task<int> RunAsync(TextWriter stderr, List<KeyValuePair<string, string?>> overrides, List<string> problems, CancellationToken cancellationToken)
    {
        var builder = CreateBuilder(Directory.GetCurrentDirectory());
        RegistryctlHost.AddSources(builder.Configuration, overrides);
        var (settings, errors) = RegistryctlHost.Load(builder.Configuration);
        problems.AddRange(errors);
        var cluster = KubernetesEnvironment.Detect();
        if (settings is not null)
        {
            problems.AddRange(KubernetesHosting.Problem(settings, cluster) is { } problem ? [problem] : []);
            problems.AddRange(settings.Workspaces.Where(w => !Directory.Exists(w)).Select(w => $"the workspace {w} does not exist"));
        }

        if (settings is null || problems.Count > 0)
        {
            await stderr.WriteLineAsync("registryctl run: cannot start:");
            foreach (var problem in problems)
            {
                await stderr.WriteLineAsync($"  - {problem}");
            }

            return ExitCodes.CannotRun;
        }

        ConfigureLogging(builder, settings.Log);
        builder.WebHost.UseUrls($"http://{settings.Controller.Listen}");
        builder.Services.AddKubernetesIntegration(settings, cluster);
        builder.Services.AddRegistryController(settings);
        builder.Services.AddControllerHealthChecks();
        builder.Services.AddRegistryTelemetry(builder.Configuration, settings.Workspaces.Count, prometheus: true, console: settings.Telemetry.Console);
        // Every record written inside a reconcile carries its trace and span ids.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);

        await using var app = builder.Build();
        app.UseControllerHealthChecks();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(HostPaths.At("/metrics"));
        try
        {
            await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A signal: the host has stopped gracefully.
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The host with nothing but what <c>run</c> uses: Kestrel (the probes and metrics are middleware), logging, and the
    /// configuration sources of <see cref="RegistryctlHost.AddSources"/> (added by the caller). Not the slim builder:
    /// its default <c>appsettings.json</c> source reloads on change, and the watcher behind it (started when the
    /// source is added, and left running when the sources are cleared) puts an inotify watch on every directory below
    /// the content root: 4,011 of them, a quarter of the start-up's CPU, when started beside three workspaces; the
    /// whole tree when a service starts in <c>/</c>.
    /// </summary>
    internal static WebApplicationBuilder CreateBuilder(string contentRoot)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = contentRoot });
        builder.WebHost.UseKestrelCore();
        return builder;
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, LogOptions log)
    {
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(log.Level);
        // Per-request and lifetime chatter from ASP.NET is noise for operators of a controller.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // A failing probe is the controller's own state (start-up not done, tmux out of reach), which the controller
        // logs once when it changes; the health check service would log it as an error at every probe.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        if (log.Format == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        // Logs go to stderr: stdout stays free for whatever wraps the controller.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
