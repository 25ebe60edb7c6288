using Microsoft.Extensions.Options;
using RegistryController.Configuration;

namespace RegistryController.Locking;

public sealed class LockOptionsValidator : IValidateOptions<LockOptions>
{
    public ValidateOptionsResult Validate(string? name, LockOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        // Polly's own bounds, checked here at start: its pipeline is built only when a lock is first contended.
        problems.AtLeast(Key(nameof(LockOptions.Timeout)), options.Timeout, LockRetry.ShortestTimeout);
        problems.AtMost(Key(nameof(LockOptions.Timeout)), options.Timeout, LockRetry.LongestWait);
        problems.AtLeast(Key(nameof(LockOptions.InitialDelay)), options.InitialDelay, TimeSpan.Zero);
        problems.AtMost(Key(nameof(LockOptions.InitialDelay)), options.InitialDelay, LockRetry.LongestWait);
        problems.AtLeast(Key(nameof(LockOptions.MaxDelay)), options.MaxDelay, options.InitialDelay);
        problems.AtMost(Key(nameof(LockOptions.MaxDelay)), options.MaxDelay, LockRetry.LongestWait);
        problems.AtLeast(Key(nameof(LockOptions.UnparsableDelay)), options.UnparsableDelay, TimeSpan.Zero);
        problems.AtMost(Key(nameof(LockOptions.UnparsableDelay)), options.UnparsableDelay, LockRetry.LongestWait);
        problems.Require(options.UnparsableRetries >= 0, $"{Key(nameof(LockOptions.UnparsableRetries))}: {options.UnparsableRetries} must be at least 0");
        return problems.Build();
    }

    private static string Key(string property) => OptionsRules.Key(LockOptions.Section, property);
}
