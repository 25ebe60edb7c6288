using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RegistryController.Controller;
using Registryctl.Configuration;

namespace Registryctl.Hosting;

/// <summary>Liveness: the loop is alive unless a reconcile has run far past its bounds or no scan has happened for several intervals.</summary>
internal sealed class ControllerLivenessCheck(ControllerStatus status, ResolvedSettings settings) : IHealthCheck
{
    private readonly TimeSpan _bound = ControllerStatus.WedgedBound(settings.Controller, settings.Lock, settings.Tmux);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.Wedged(_bound) is { } why ? HealthCheckResult.Unhealthy($"wedged: {why}") : HealthCheckResult.Healthy("ok"));
}

/// <summary>Readiness: the startup reconcile is done, the watchers run and the tmux view is not broken.</summary>
internal sealed class ControllerReadinessCheck(ControllerStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.NotReadyReason is { } why ? HealthCheckResult.Unhealthy($"not ready: {why}") : HealthCheckResult.Healthy("ready"));
}

/// <summary><c>/healthz</c> and <c>/readyz</c> through ASP.NET Core's health checks, answering in one plain line.</summary>
internal static class ControllerHealthChecks
{
    private const string Live = "live";
    private const string Ready = "ready";

    public static IServiceCollection AddControllerHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ControllerLivenessCheck>("controller-loop", tags: [Live])
            .AddCheck<ControllerReadinessCheck>("controller-ready", tags: [Ready]);
        return services;
    }

    /// <summary>
    /// As middleware on their paths, not endpoints: <c>run</c> serves three fixed paths, and endpoint routing's
    /// matcher, built at start-up, cost more than they ever will.
    /// </summary>
    public static void UseControllerHealthChecks(this WebApplication app)
    {
        // What UseHealthChecks does, on HostPaths' match: its own refuses a trailing slash, which routing accepted.
        app.MapWhen(HostPaths.At("/healthz"), probe => probe.UseMiddleware<HealthCheckMiddleware>(Microsoft.Extensions.Options.Options.Create(Options(Live))));
        app.MapWhen(HostPaths.At("/readyz"), probe => probe.UseMiddleware<HealthCheckMiddleware>(Microsoft.Extensions.Options.Options.Create(Options(Ready))));
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WritePlainAsync,
    };

    /// <summary>One line per check, its description: "ok", "ready", or why not (probes and people read the same).</summary>
    private static Task WritePlainAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new StringBuilder();
        foreach (var entry in report.Entries.Values)
        {
            text.Append(entry.Description).Append('\n');
        }

        return context.Response.WriteAsync(text.ToString());
    }
}
