using Microsoft.Extensions.Options;
using RegistryController.Configuration;

namespace RegistryController.Locking;

public sealed class LockOptionsValidator : IValidateOptions<LockOptions>
{
    public ValidateOptionsResult Validate(string? name, LockOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        problems.AtLeast(Key(nameof(LockOptions.Timeout)), options.Timeout, TimeSpan.Zero);
        problems.AtLeast(Key(nameof(LockOptions.InitialDelay)), options.InitialDelay, TimeSpan.Zero);
        problems.AtLeast(Key(nameof(LockOptions.MaxDelay)), options.MaxDelay, options.InitialDelay);
        problems.AtLeast(Key(nameof(LockOptions.UnparsableDelay)), options.UnparsableDelay, TimeSpan.Zero);
        problems.Require(options.UnparsableRetries >= 0, $"{Key(nameof(LockOptions.UnparsableRetries))}: {options.UnparsableRetries} must be at least 0");
        return problems.Build();
    }

    private static string Key(string property) => OptionsRules.Key(LockOptions.Section, property);
}
