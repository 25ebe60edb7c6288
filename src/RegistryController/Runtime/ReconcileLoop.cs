using System.Diagnostics;
using RegistryController.Store;

namespace RegistryController.Runtime;

/// <summary>
/// The queue policy, in one place, as controller-runtime's worker loop has it: take a key, reconcile it,
/// then re-add it rate-limited on error, or forget its failures and re-add it after
/// <see cref="ReconcileResult.RequeueAfter"/>; put its <see cref="ReconcileResult.FollowUps"/> on the
/// queue; mark it done. A reconciler's exception is an error result: a worker outlives any one key.
/// </summary>
internal sealed class ReconcileLoop(
    WorkQueue<RegistryLocation> queue,
    Func<WorkItem<RegistryLocation>, CancellationToken, Task<ReconcileResult>> reconcile,
    ReconcileLoop.Observer observer)
{
    /// <summary>
    /// What the loop tells its owner: a worker took a key; its reconcile finished (before the queue acts
    /// on the result); the key is done (with the back-off when it failed).
    /// </summary>
    public sealed record Observer(Action<int> Started, Action<int, ReconcileResult> Finished, Action<WorkItem<RegistryLocation>, ReconcileResult, TimeSpan?> Done);

    /// <summary>Runs one worker until the queue shuts down or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunWorkerAsync(int worker, CancellationToken cancellationToken)
    {
        while (await queue.TakeAsync(cancellationToken) is { } item)
        {
            observer.Started(worker);
            ReconcileResult result;
            try
            {
                result = await reconcile(item, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                queue.Done(item.Key);
                return;
            }
#pragma warning disable CA1031 // A worker must outlive any one registry's failure, or that key is held forever.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                result = ReconcileResult.Failed(ex.Message);
            }

            observer.Finished(worker, result);
            foreach (var followUp in result.FollowUps)
            {
                queue.Add(followUp, Trigger.File);
            }

            TimeSpan? retry = null;
            if (result.Outcome == ReconcileOutcome.Error)
            {
                retry = queue.AddRateLimited(item.Key);
            }
            else
            {
                queue.Forget(item.Key);
                if (result.RequeueAfter is { } after)
                {
                    queue.AddAfter(item.Key, after, Trigger.Retry);
                }
            }

            queue.Done(item.Key);
            observer.Done(item, result, retry);
        }
    }

    /// <summary>The causes of an item that are trace contexts: the reconcile's span links to them.</summary>
    public static IReadOnlyList<ActivityContext> Causes(WorkItem<RegistryLocation> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return [.. item.Causes.OfType<ActivityContext>()];
    }
}
