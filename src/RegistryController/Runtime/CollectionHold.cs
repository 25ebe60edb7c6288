using System.Runtime;

namespace RegistryController.Runtime;

/// <summary>
/// No garbage collection while a burst that keeps what it allocates runs: a one-shot pass (until its report) or the
/// controller's start-up (until ready). A collection in such a burst walks and copies what survives and frees little,
/// so holding it off up to a budget costs no more memory and saves its time; past the budget, collections resume as
/// usual. Best effort, per process: one already held (the tests run passes and controllers in one process) stands.
/// </summary>
public static class CollectionHold
{
    /// <summary>What a one-shot pass may allocate first: 35 MB on 1,000 JSON registries of 20 agents, 13 MB on a database.</summary>
    public const long PassBudget = 64L << 20;

    /// <summary>What the controller's start-up may allocate first: the pass's read, the cache it fills, the host.</summary>
    public const long StartupBudget = 128L << 20;

    public static void Begin(long budget)
    {
        try
        {
            if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
            {
                _ = GC.TryStartNoGCRegion(budget);
            }
        }
        catch (InvalidOperationException)
        {
            // Begun meanwhile by another burst of this process.
        }
    }

    /// <summary>Ends the hold if it still stands (it ends by itself once the budget is spent).</summary>
    public static void End()
    {
        try
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
        catch (InvalidOperationException)
        {
            // Ended meanwhile: the budget spent, a collection induced, or another burst's end.
        }
    }
}
