using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RegistryController.Controller;
using RegistryController.Locking;
using RegistryController.Queue;
using RegistryController.Reconcile;
using RegistryController.Store;
using RegistryController.Tmux;

namespace Registryctl.Configuration;

/// <summary>Turns bound settings into engine options, or into messages that name each bad setting.</summary>
public static class SettingsValidator
{
    public const string WorkspaceVariable = "CLAUDE_ORCHESTRATOR_WORKSPACE";
    public const string DefaultWorkspace = ".agent-workspace";

    public static (ResolvedSettings? Settings, IReadOnlyList<string> Errors) Validate(ControllerSettings settings, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        environment ??= Environment.GetEnvironmentVariable;
        var errors = new List<string>();

        TimeSpan DurationOf(string name, string? value, TimeSpan minimum)
        {
            if (!Duration.TryParse(value, out var parsed))
            {
                errors.Add($"{name}: '{value}' is not a duration (examples: 250ms, 30s, 5m)");
            }
            else if (parsed < minimum)
            {
                errors.Add($"{name}: {value} is below the minimum of {Duration.Format(minimum)}");
            }

            return parsed;
        }

        ImmutableHashSet<string>? Statuses(string name, string[]? values)
        {
            if (values is null)
            {
                return null;
            }

            var cleaned = values.Select(v => v.Trim()).Where(v => v.Length > 0).ToImmutableHashSet(StringComparer.Ordinal);
            if (cleaned.IsEmpty)
            {
                errors.Add($"{name}: the list is empty");
            }

            return cleaned;
        }

        TimeSpan? OptionalDuration(string name, string? value, string offWord, TimeSpan minimum) =>
            string.Equals(value?.Trim(), offWord, StringComparison.OrdinalIgnoreCase) ? null : DurationOf(name, value, minimum);

        var tmuxTimeout = DurationOf("Tmux:Timeout", settings.Tmux.Timeout, TimeSpan.FromMilliseconds(100));
        var loop = settings.Controller;
        var controller = new ControllerOptions
        {
            Workers = loop.Workers,
            ScanInterval = DurationOf("Controller:ScanInterval", loop.ScanInterval, TimeSpan.FromMilliseconds(100)),
            ResyncInterval = DurationOf("Controller:ResyncInterval", loop.ResyncInterval, TimeSpan.FromSeconds(1)),
            GuardHold = OptionalDuration("Controller:GuardHold", loop.GuardHold, "never", TimeSpan.Zero),
            StuckAfter = DurationOf("Controller:StuckAfter", loop.StuckAfter, TimeSpan.FromSeconds(1)),
            KillOrphansAfter = OptionalDuration("Controller:KillOrphansAfter", loop.KillOrphansAfter, "off", TimeSpan.Zero),
            MaxViewAgeForTermination = DurationOf("Controller:MaxViewAge", loop.MaxViewAge, TimeSpan.Zero),
            ShutdownTimeout = DurationOf("Controller:ShutdownTimeout", loop.ShutdownTimeout, TimeSpan.Zero),
            Listen = loop.Listen,
        };
        var queue = new WorkQueueOptions
        {
            QuietWindow = DurationOf("Controller:QuietWindow", loop.QuietWindow, TimeSpan.Zero),
            MaxDelay = DurationOf("Controller:MaxDelay", loop.MaxDelay, TimeSpan.Zero),
            BackoffBase = DurationOf("Controller:BackoffBase", loop.BackoffBase, TimeSpan.FromMilliseconds(1)),
            BackoffMax = DurationOf("Controller:BackoffMax", loop.BackoffMax, TimeSpan.FromMilliseconds(1)),
        };
        if (loop.Workers is < 1 or > 64)
        {
            errors.Add($"Controller:Workers: {loop.Workers} must be between 1 and 64");
        }

        if (!TryParseListen(loop.Listen))
        {
            errors.Add($"Controller:Listen: '{loop.Listen}' is not host:port (e.g. 127.0.0.1:8080, 0.0.0.0:9090)");
        }

        var logFormat = settings.Log.Format?.Trim().ToLowerInvariant();
        if (logFormat is not ("text" or "json"))
        {
            errors.Add($"Log:Format: '{settings.Log.Format}' must be text or json");
        }

        if (!Enum.TryParse<LogLevel>(settings.Log.Level, ignoreCase: true, out var logLevel))
        {
            errors.Add($"Log:Level: '{settings.Log.Level}' must be one of Trace, Debug, Information, Warning, Error");
        }
        var grace = DurationOf("Reconcile:Grace", settings.Reconcile.Grace, TimeSpan.Zero);
        // The orchestrator creates the session, then writes the agent: judged on a tmux view taken
        // before the session existed, a new agent looks dead. Only its youth protects it, and a view
        // can be up to MaxViewAge old.
        // (Only when both parsed: an unparsable one has its own error already.)
        if (grace <= controller.MaxViewAgeForTermination && Duration.TryParse(settings.Reconcile.Grace, out _) && Duration.TryParse(loop.MaxViewAge, out _))
        {
            errors.Add($"Reconcile:Grace: {Duration.Format(grace)} must be longer than Controller:MaxViewAge ({Duration.Format(controller.MaxViewAgeForTermination)}): "
                + "a new agent could be judged on a tmux view taken before its session existed and terminated while alive");
        }

        var lockTimeout = DurationOf("Lock:Timeout", settings.Lock.Timeout, TimeSpan.Zero);
        var active = Statuses("Reconcile:ActiveStatuses", settings.Reconcile.ActiveStatuses);
        var terminal = Statuses("Reconcile:TerminalStatuses", settings.Reconcile.TerminalStatuses);
        var defaults = new ReconcileOptions();
        if ((active ?? defaults.ActiveStatuses).Overlaps(terminal ?? defaults.TerminalStatuses))
        {
            errors.Add("Reconcile:ActiveStatuses and Reconcile:TerminalStatuses share a status; a status must be one or the other");
        }

        if (settings.Reconcile.MassGuardMinimum < 1)
        {
            errors.Add($"Reconcile:MassGuardMinimum: {settings.Reconcile.MassGuardMinimum} must be at least 1");
        }

        if (settings.Reconcile.MassGuardFraction is <= 0 or > 1)
        {
            errors.Add($"Reconcile:MassGuardFraction: {settings.Reconcile.MassGuardFraction} must be above 0 and at most 1");
        }

        if (settings.Lock.MaxFileBytes < 1024)
        {
            errors.Add($"Lock:MaxFileBytes: {settings.Lock.MaxFileBytes} is too small to hold a registry");
        }

        if (settings.Tmux.Socket is not null && settings.Tmux.SocketName is not null)
        {
            errors.Add("Tmux:Socket and Tmux:SocketName both given; tmux takes one (-S or -L)");
        }

        var lease = settings.Leader.Resolve(DurationOf, errors);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var workspace = settings.Workspace is { Length: > 0 } configured
            ? configured
            : environment(WorkspaceVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultWorkspace;

        var workspaces = settings.Workspaces is { Length: > 0 } many
            ? many.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList()
            : [Path.GetFullPath(workspace)];

        return (new ResolvedSettings(
            workspaces[0],
            new TmuxOptions
            {
                Binary = settings.Tmux.Binary,
                SocketPath = settings.Tmux.Socket,
                SocketName = settings.Tmux.SocketName,
                TmpDir = settings.Tmux.TmpDir,
                Timeout = tmuxTimeout,
            },
            defaults with
            {
                Grace = grace,
                ActiveStatuses = active ?? defaults.ActiveStatuses,
                TerminalStatuses = terminal ?? defaults.TerminalStatuses,
                MassGuardMinimum = settings.Reconcile.MassGuardMinimum,
                MassGuardFraction = settings.Reconcile.MassGuardFraction,
                StuckAfter = controller.StuckAfter,
            },
            new LockOptions { Timeout = lockTimeout },
            new RegistryStoreOptions { MaxFileBytes = settings.Lock.MaxFileBytes })
        {
            Workspaces = workspaces,
            Controller = controller,
            Queue = queue,
            JsonLogs = logFormat == "json",
            ConsoleTraces = settings.Telemetry.Console,
            LogLevel = logLevel,
            LeaderElect = settings.Leader.Enabled,
            Lease = lease,
        }, errors);
    }

    public static bool TryParseListen(string? listen) =>
        listen is not null
        && listen.LastIndexOf(':') is var colon and > 0
        && int.TryParse(listen[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
        && port is > 0 and < 65536;
}
