using System.Globalization;
using Microsoft.Extensions.Options;
using RegistryController.Configuration;
using RegistryController.Judgement;

namespace RegistryController.Controller;

/// <param name="reconcile">The judgement's options, for the one rule that spans both sections (null: not known yet).</param>
public sealed class ControllerOptionsValidator(ReconcileOptions? reconcile) : IValidateOptions<ControllerOptions>
{
    public ValidateOptionsResult Validate(string? name, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        problems.Between(Key(nameof(ControllerOptions.Workers)), options.Workers, 1, 64);
        problems.AtLeast(Key(nameof(ControllerOptions.ScanInterval)), options.ScanInterval, TimeSpan.FromMilliseconds(100));
        problems.AtLeast(Key(nameof(ControllerOptions.ResyncInterval)), options.ResyncInterval, TimeSpan.FromSeconds(1));
        problems.AtLeast(Key(nameof(ControllerOptions.GuardHold)), options.GuardHold ?? TimeSpan.Zero, TimeSpan.Zero);
        problems.AtLeast(Key(nameof(ControllerOptions.StuckAfter)), options.StuckAfter, TimeSpan.FromSeconds(1));
        problems.AtLeast(Key(nameof(ControllerOptions.KillOrphansAfter)), options.KillOrphansAfter ?? TimeSpan.Zero, TimeSpan.Zero);
        problems.AtLeast(Key(ControllerOptions.MaxViewAgeKey), options.MaxViewAgeForTermination, TimeSpan.Zero);
        problems.AtLeast(Key(nameof(ControllerOptions.ShutdownTimeout)), options.ShutdownTimeout, TimeSpan.Zero);
        problems.Require(
            IsHostAndPort(options.Listen),
            $"{Key(nameof(ControllerOptions.Listen))}: '{options.Listen}' is not host:port (e.g. 127.0.0.1:8080, 0.0.0.0:9090)");

        // The orchestrator creates the session, then writes the agent: judged on a tmux view taken
        // before the session existed, a new agent looks dead. Only its youth protects it, and a view
        // can be up to MaxViewAge old.
        var grace = OptionsRules.Key(ReconcileOptions.Section, nameof(ReconcileOptions.Grace));
        problems.Require(
            reconcile is null || reconcile.Grace > options.MaxViewAgeForTermination,
            $"{grace}: {Duration.Format(reconcile?.Grace ?? TimeSpan.Zero)} must be longer than {Key(ControllerOptions.MaxViewAgeKey)} ({Duration.Format(options.MaxViewAgeForTermination)}): "
                + "a new agent could be judged on a tmux view taken before its session existed and terminated while alive");
        return problems.Build();
    }

    public static bool IsHostAndPort(string? listen) =>
        listen is not null
        && listen.LastIndexOf(':') is var colon and > 0
        && int.TryParse(listen[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
        && port is > 0 and < 65536;

    private static string Key(string property) => OptionsRules.Key(ControllerOptions.Section, property);
}
