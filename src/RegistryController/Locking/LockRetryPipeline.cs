using Polly;
using Polly.Retry;
using Polly.Timeout;
using RegistryController.Registry;

namespace RegistryController.Locking;

/// <summary>
/// The Polly pipeline around every locked read and write: a total time bound outside, lock
/// contention retried with exponential back-off and jitter inside, and a file that does not parse
/// re-read a few times (the careless writer's half-written file is a transient state).
/// </summary>
internal static class LockRetryPipeline
{
    public static ResiliencePipeline Create(LockOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = options.Timeout });
        if (options.UnparsableRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RegistryFormatException>(),
                MaxRetryAttempts = options.UnparsableRetries,
                Delay = options.UnparsableDelay,
                BackoffType = DelayBackoffType.Constant,
            });
        }

        return builder
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<LockContendedException>(),
                MaxRetryAttempts = int.MaxValue,
                Delay = options.InitialDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }
}
