using Microsoft.Extensions.Options;
using RegistryController.Configuration;

namespace RegistryController.Judgement;

public sealed class ReconcileOptionsValidator : IValidateOptions<ReconcileOptions>
{
    public ValidateOptionsResult Validate(string? name, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        problems.AtLeast(Key(nameof(ReconcileOptions.Grace)), options.Grace, TimeSpan.Zero);
        problems.Require(!options.ActiveStatuses.IsEmpty, $"{Key(nameof(ReconcileOptions.ActiveStatuses))}: the list is empty");
        problems.Require(!options.TerminalStatuses.IsEmpty, $"{Key(nameof(ReconcileOptions.TerminalStatuses))}: the list is empty");
        problems.Require(
            !options.ActiveStatuses.Overlaps(options.TerminalStatuses),
            $"{Key(nameof(ReconcileOptions.ActiveStatuses))} and {Key(nameof(ReconcileOptions.TerminalStatuses))} share a status; a status must be one or the other");
        problems.Require(options.MassGuardMinimum >= 1, $"{Key(nameof(ReconcileOptions.MassGuardMinimum))}: {options.MassGuardMinimum} must be at least 1");
        problems.Require(
            options.MassGuardFraction is > 0 and <= 1,
            $"{Key(nameof(ReconcileOptions.MassGuardFraction))}: {options.MassGuardFraction} must be above 0 and at most 1");
        return problems.Build();
    }

    private static string Key(string property) => OptionsRules.Key(ReconcileOptions.Section, property);
}
