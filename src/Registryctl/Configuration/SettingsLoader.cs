using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using RegistryController.Controller;
using RegistryController.Judgement;
using RegistryController.Kubernetes.Leadership;
using RegistryController.Locking;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Store.Sqlite;
using RegistryController.Tmux;

namespace Registryctl.Configuration;

/// <summary>
/// Binds each configuration section to its options record (<see cref="OptionsBinder"/>) and checks it
/// with the validator beside the record. A key is <c>Section:Property</c> of its record, and its default
/// is the record's. Errors name the key.
/// </summary>
internal static partial class SettingsLoader
{
    /// <summary><c>never</c> and <c>off</c> are how a person writes "no duration"; each only for its own setting.</summary>
    private static readonly Dictionary<string, string> ControllerOffWords = new(StringComparer.Ordinal)
    {
        [nameof(ControllerOptions.GuardHold)] = ControllerOptions.HoldForever,
        [nameof(ControllerOptions.KillOrphansAfter)] = ControllerOptions.NeverKill,
    };

    public static (ResolvedSettings? Settings, IReadOnlyList<string> Errors) Load(IConfiguration configuration, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<string>();
        var reconcile = Bind(configuration, ReconcileOptions.Section, new ReconcileOptionsValidator(), errors, WithStatuses);
        var controller = Bind(configuration, ControllerOptions.Section, new ControllerOptionsValidator(reconcile), errors, offWords: ControllerOffWords);
        var tmux = Bind(configuration, TmuxOptions.Section, new TmuxOptionsValidator(), errors);
        var queue = Bind(configuration, WorkQueueOptions.Section, new WorkQueueOptionsValidator(), errors);
        var locking = Bind(configuration, LockOptions.Section, new LockOptionsValidator(), errors);
        var store = Bind(configuration, RegistryStoreOptions.Section, new RegistryStoreOptionsValidator(), errors);
        var sqlite = Bind(configuration, SqliteStoreOptions.Section, new SqliteStoreOptionsValidator(), errors);
        var lease = Bind(configuration, LeaseOptions.Section, new LeaseOptionsValidator(), errors, (_, l) => l with { LeaseNamespace = NullIfBlank(l.LeaseNamespace) });
        var log = Bind(configuration, LogOptions.Section, new LogOptionsValidator(), errors);
        var telemetry = Bind<TelemetryOptions>(configuration, TelemetryOptions.Section, validator: null, errors);
        var workspaces = OptionsBinder.Bind<WorkspaceOptions>(configuration, path: null, errors);
        if (errors.Count > 0 || reconcile is null || controller is null || tmux is null || queue is null || locking is null
            || store is null || sqlite is null || lease is null || log is null || telemetry is null || workspaces is null)
        {
            return (null, errors);
        }

        var roots = workspaces.Resolve(environment ?? Environment.GetEnvironmentVariable);
        // Controller:StuckAfter owns the stuck rule's default; the judgement (health too) reads it from here.
        reconcile = reconcile with { StuckAfter = controller.StuckAfter, Force = false };
        return (new ResolvedSettings(roots[0], tmux, reconcile, locking, store)
        {
            Workspaces = roots,
            Controller = controller,
            Queue = queue,
            Log = log,
            Telemetry = telemetry,
            Lease = lease,
            Sqlite = sqlite,
        }, errors);
    }

    /// <summary>The settings as key/value pairs, the way <c>--set</c> gives them, over the records' defaults.</summary>
    public static (ResolvedSettings? Settings, IReadOnlyList<string> Errors) Load(IEnumerable<KeyValuePair<string, string?>> settings, Func<string, string?>? environment = null) =>
        Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), environment);

    private static T? Bind<[DynamicallyAccessedMembers(OptionsBinder.Members)] T>(
        IConfiguration configuration, string section, IValidateOptions<T>? validator, List<string> errors,
        Func<IConfigurationSection, T, T>? complete = null, IReadOnlyDictionary<string, string>? offWords = null)
        where T : class, new()
    {
        var source = configuration.GetSection(section);
        if (OptionsBinder.Bind<T>(source, section, errors, offWords) is not { } options)
        {
            return null;
        }

        options = complete?.Invoke(source, options) ?? options;
        if (validator?.Validate(Options.DefaultName, options) is { Failed: true } result)
        {
            errors.AddRange(result.Failures);
            return null;
        }

        return options;
    }

    /// <summary>
    /// The binder leaves the ImmutableHashSet status sets alone: a configured list of statuses replaces
    /// the default list whole.
    /// </summary>
    private static ReconcileOptions WithStatuses(IConfigurationSection section, ReconcileOptions options) => options with
    {
        ActiveStatuses = Statuses(section, nameof(ReconcileOptions.ActiveStatuses)) ?? options.ActiveStatuses,
        TerminalStatuses = Statuses(section, nameof(ReconcileOptions.TerminalStatuses)) ?? options.TerminalStatuses,
    };

    private static ImmutableHashSet<string>? Statuses(IConfigurationSection section, string key) =>
        section.GetSection(key).Get<string[]>() is { } values
            ? values.Select(v => v.Trim()).Where(v => v.Length > 0).ToImmutableHashSet(StringComparer.Ordinal)
            : null;

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
