using Microsoft.Extensions.Options;
using RegistryController.Configuration;

namespace RegistryController.Kubernetes.Leadership;

/// <summary>The bounds of each timing, and, when leader election is on, the rules client-go enforces between them.</summary>
public sealed class LeaseOptionsValidator : IValidateOptions<LeaseOptions>
{
    public ValidateOptionsResult Validate(string? name, LeaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        // The Lease counts whole seconds.
        problems.AtLeast(Key(nameof(LeaseOptions.LeaseDuration)), options.LeaseDuration, TimeSpan.FromSeconds(1));
        problems.AtLeast(Key(nameof(LeaseOptions.RenewDeadline)), options.RenewDeadline, TimeSpan.FromMilliseconds(100));
        problems.AtLeast(Key(nameof(LeaseOptions.RetryPeriod)), options.RetryPeriod, TimeSpan.FromMilliseconds(10));
        if (options.Enabled && !problems.Build().Failed)
        {
            AddElectionRules(problems, options);
        }

        return problems.Build();
    }

    private static void AddElectionRules(ValidateOptionsResultBuilder problems, LeaseOptions options)
    {
        var (duration, deadline, retry) = (Key(nameof(LeaseOptions.LeaseDuration)), Key(nameof(LeaseOptions.RenewDeadline)), Key(nameof(LeaseOptions.RetryPeriod)));
        problems.Require(!string.IsNullOrWhiteSpace(options.LeaseName), $"{Key(nameof(LeaseOptions.LeaseName))}: the name is empty");
        problems.Require(
            options.RenewDeadline > options.RetryPeriod * 1.2,
            $"{deadline}: {Duration.Format(options.RenewDeadline)} must be more than 1.2 × {retry} ({Duration.Format(options.RetryPeriod)})");
        problems.Require(
            options.LeaseDuration > options.RenewDeadline,
            $"{duration}: {Duration.Format(options.LeaseDuration)} must be more than {deadline} ({Duration.Format(options.RenewDeadline)})");
    }

    private static string Key(string property) => OptionsRules.Key(LeaseOptions.Section, property);
}
