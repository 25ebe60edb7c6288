using Microsoft.Extensions.Options;
using RegistryController.Configuration;

namespace RegistryController.Runtime;

public sealed class WorkQueueOptionsValidator : IValidateOptions<WorkQueueOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        problems.AtLeast(Key(nameof(WorkQueueOptions.QuietWindow)), options.QuietWindow, TimeSpan.Zero);
        problems.AtLeast(Key(nameof(WorkQueueOptions.MaxDelay)), options.MaxDelay, TimeSpan.Zero);
        problems.AtLeast(Key(nameof(WorkQueueOptions.BackoffBase)), options.BackoffBase, TimeSpan.FromMilliseconds(1));
        problems.AtLeast(Key(nameof(WorkQueueOptions.BackoffMax)), options.BackoffMax, TimeSpan.FromMilliseconds(1));
        return problems.Build();
    }

    private static string Key(string property) => OptionsRules.Key(WorkQueueOptions.Section, property);
}
