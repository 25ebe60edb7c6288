using System.Collections.Immutable;
using RegistryController.Locking;
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

        var tmuxTimeout = DurationOf("Tmux:Timeout", settings.Tmux.Timeout, TimeSpan.FromMilliseconds(100));
        var grace = DurationOf("Reconcile:Grace", settings.Reconcile.Grace, TimeSpan.Zero);
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

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var workspace = settings.Workspace is { Length: > 0 } configured
            ? configured
            : environment(WorkspaceVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultWorkspace;

        return (new ResolvedSettings(
            Path.GetFullPath(workspace),
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
            },
            new LockOptions { Timeout = lockTimeout },
            new RegistryStoreOptions { MaxFileBytes = settings.Lock.MaxFileBytes }), errors);
    }
}
