using Microsoft.Extensions.Options;
using RegistryController.Configuration;

namespace RegistryController.Store;

public sealed class RegistryStoreOptionsValidator : IValidateOptions<RegistryStoreOptions>
{
    /// <summary>Smaller than any registry the orchestrator writes: a typo, not a limit.</summary>
    public const long MinimumFileBytes = 1024;

    public ValidateOptionsResult Validate(string? name, RegistryStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        problems.Require(
            options.MaxFileBytes >= MinimumFileBytes,
            $"{OptionsRules.Key(RegistryStoreOptions.Section, nameof(RegistryStoreOptions.MaxFileBytes))}: {options.MaxFileBytes} is too small to hold a registry");
        // A registry is read whole into one array.
        problems.Require(
            options.MaxFileBytes <= Array.MaxLength,
            $"{OptionsRules.Key(RegistryStoreOptions.Section, nameof(RegistryStoreOptions.MaxFileBytes))}: {options.MaxFileBytes} is more than one read can hold ({Array.MaxLength})");
        return problems.Build();
    }
}
