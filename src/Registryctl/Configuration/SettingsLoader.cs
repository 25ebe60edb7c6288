using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using RegistryController.Configuration;
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
/// Binds each configuration section to its options record with the configuration binder and checks it
/// with the validator beside the record. A key is <c>Section:Property</c> of its record, and its default
/// is the record's. Errors name the key.
/// </summary>
internal static partial class SettingsLoader
{
    public static (ResolvedSettings? Settings, IReadOnlyList<string> Errors) Load(IConfiguration configuration, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        DurationConverter.Register();
        configuration = WithOffWordsAsNull(configuration);
        var errors = new List<string>();
        var reconcile = Bind(configuration, ReconcileOptions.Section, new ReconcileOptionsValidator(), errors, WithStatuses);
        var controller = Bind(configuration, ControllerOptions.Section, new ControllerOptionsValidator(reconcile), errors);
        var tmux = Bind(configuration, TmuxOptions.Section, new TmuxOptionsValidator(), errors);
        var queue = Bind(configuration, WorkQueueOptions.Section, new WorkQueueOptionsValidator(), errors);
        var locking = Bind(configuration, LockOptions.Section, new LockOptionsValidator(), errors);
        var store = Bind(configuration, RegistryStoreOptions.Section, new RegistryStoreOptionsValidator(), errors);
        var sqlite = Bind(configuration, SqliteStoreOptions.Section, new SqliteStoreOptionsValidator(), errors);
        var lease = Bind(configuration, LeaseOptions.Section, new LeaseOptionsValidator(), errors, (_, l) => l with { LeaseNamespace = NullIfBlank(l.LeaseNamespace) });
        var log = Bind(configuration, LogOptions.Section, new LogOptionsValidator(), errors);
        var telemetry = Bind<TelemetryOptions>(configuration, TelemetryOptions.Section, validator: null, errors);
        var workspaces = BindRoot<WorkspaceOptions>(configuration, errors);
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

    private static T? Bind<T>(IConfiguration configuration, string section, IValidateOptions<T>? validator, List<string> errors, Func<IConfigurationSection, T, T>? complete = null)
        where T : class, new()
    {
        var source = configuration.GetSection(section);
        T options;
        try
        {
            options = source.Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            errors.Add(ConversionError(e));
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

    private static T? BindRoot<T>(IConfiguration configuration, List<string> errors)
        where T : class, new()
    {
        try
        {
            return configuration.Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            errors.Add(ConversionError(e));
            return null;
        }
    }

    /// <summary>
    /// "Key: what was expected", like every other message: the binder's message carries the key
    /// ("... at 'Reconcile:Grace' to type ..."), the converter's (inner) one what a value should look like.
    /// </summary>
    private static string ConversionError(InvalidOperationException e) =>
        (BinderKey().Match(e.Message), e.InnerException) is ({ Success: true } key, { } why)
            ? $"{key.Groups["key"].Value}: {why.Message}"
            : e.Message;

    [GeneratedRegex(@" at '(?<key>[^']+)' to type ", RegexOptions.CultureInvariant)]
    private static partial Regex BinderKey();

    /// <summary>
    /// The binder cannot fill an ImmutableHashSet, and would add to a default collection rather than
    /// replace it: a configured list of statuses replaces the default list whole.
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

    /// <summary>
    /// <c>never</c> and <c>off</c> are how a person writes "no duration"; the binder reads an empty value
    /// as null for a <c>TimeSpan?</c>. Each word is accepted only by its own setting.
    /// </summary>
    private static IConfiguration WithOffWordsAsNull(IConfiguration configuration)
    {
        var nulls = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (property, word) in new[]
        {
            (nameof(ControllerOptions.GuardHold), ControllerOptions.HoldForever),
            (nameof(ControllerOptions.KillOrphansAfter), ControllerOptions.NeverKill),
        })
        {
            var key = OptionsRules.Key(ControllerOptions.Section, property);
            if (string.Equals(configuration[key]?.Trim(), word, StringComparison.OrdinalIgnoreCase))
            {
                nulls[key] = string.Empty;
            }
        }

        return nulls.Count == 0 ? configuration : new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(nulls).Build();
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
