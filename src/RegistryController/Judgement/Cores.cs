using System.Runtime.ExceptionServices;

namespace RegistryController.Judgement;

/// <summary>Independent pieces of one pass's work (a registry each), spread over the cores.</summary>
internal static class Cores
{
    // One worker per core, as the reads: unbounded, a pass would take every thread of the pool, and the controller's
    // timers and requests (and, in the tests, every other test) would wait behind it.
    private static readonly ParallelOptions OnePerCore = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>
    /// Runs <paramref name="body"/> for 0 to <paramref name="count"/> - 1 across the cores. A piece's exception comes
    /// out as itself, as it would run one by one, not wrapped in an <see cref="AggregateException"/> that its callers'
    /// handlers would not recognise.
    /// </summary>
    public static void For(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, OnePerCore, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
