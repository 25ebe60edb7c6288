using Microsoft.Extensions.Options;
using RegistryController.Configuration;

namespace RegistryController.Store.Sqlite;

public sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
{
    /// <summary>
    /// The orchestrator's own connections wait 10 s for the write lock: a longer wait of ours could make its
    /// writers give up (the completion notifier does) while we hold nothing yet but a place in the queue.
    /// </summary>
    public static readonly TimeSpan OrchestratorBusyTimeout = TimeSpan.FromSeconds(10);

    public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        problems.AtLeast(SqliteStoreOptions.BusyTimeoutKey, options.BusyTimeout, TimeSpan.FromMilliseconds(1));
        problems.Require(
            options.BusyTimeout < OrchestratorBusyTimeout,
            $"{SqliteStoreOptions.BusyTimeoutKey}: {options.BusyTimeout.TotalSeconds:0.###} s must be shorter than the orchestrator's own 10 s, so that a held database fails our repair, never its writers");
        problems.Require(
            options.MaxFileBytes is null or > 0,
            $"{OptionsRules.Key(SqliteStoreOptions.Section, nameof(SqliteStoreOptions.MaxFileBytes))}: {options.MaxFileBytes} must be positive");
        return problems.Build();
    }
}
