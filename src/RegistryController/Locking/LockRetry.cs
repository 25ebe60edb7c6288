using System.Runtime.ExceptionServices;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using RegistryController.Registry;

namespace RegistryController.Locking;

/// <summary>
/// The Polly pipeline around every locked read and write: a total time bound outside, lock
/// contention retried with exponential back-off and jitter inside, and a file that does not parse
/// re-read a few times (the careless writer's half-written file is a transient state).
/// <para>
/// The pipeline is built only when an attempt first fails: Polly checks a pipeline's options by reflection as it
/// builds it, a sixth of a short command's CPU in the native build, and most attempts succeed at once.
/// </para>
/// </summary>
internal sealed class LockRetry
{
    /// <summary>The shortest total bound Polly's timeout accepts.</summary>
    public static readonly TimeSpan ShortestTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest timeout or delay Polly accepts.</summary>
    public static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly Lazy<ResiliencePipeline> _pipeline;

    public LockRetry(LockOptions options, TimeProvider? time = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _pipeline = new(() => Create(options, time ?? TimeProvider.System));
    }

    public LockOptions Options { get; }

    /// <summary>
    /// Runs <paramref name="attempt"/>; when it meets a contended lock or a file that does not parse, the pipeline
    /// takes over from that failure, with the same retries and back-off as if it had made the first attempt. The bound
    /// (<see cref="LockOptions.Timeout"/>) counts from that first failure: a wait for a lock is bounded as before, plus
    /// the one attempt that found it taken. Past the bound it throws <see cref="TimeoutRejectedException"/>; any other
    /// exception passes through at once, and so does a file that does not parse when no re-read is configured.
    /// </summary>
    public async ValueTask<T> ExecuteAsync<T>(Func<T> attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        cancellationToken.ThrowIfCancellationRequested();
        ExceptionDispatchInfo? first;
        try
        {
            return attempt();
        }
        catch (Exception ex) when (ex is LockContendedException || (ex is RegistryFormatException && Options.UnparsableRetries > 0))
        {
            first = ExceptionDispatchInfo.Capture(ex);
        }

        return await _pipeline.Value.ExecuteAsync(
            _ =>
            {
                // The pipeline's first outcome is the failure already met, not a second attempt made at once.
                var failed = first;
                first = null;
                failed?.Throw();
                return ValueTask.FromResult(attempt());
            },
            cancellationToken);
    }

    private static ResiliencePipeline Create(LockOptions options, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time }
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
