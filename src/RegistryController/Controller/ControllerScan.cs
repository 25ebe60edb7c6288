using Microsoft.Extensions.Logging;
using RegistryController.Tmux;

namespace RegistryController.Controller;

/// <summary>
/// One scan: the watched directories checked (a removed root is watched again when it comes back), a new tmux look
/// (whose diff the <see cref="TmuxSessionSource"/> turns into keys), and the orphans followed. The periodic timer and
/// tmux's push both ask for it.
/// </summary>
public sealed partial class ControllerScan(TmuxViewCache views, WorkspaceFileSources files, OrphanTracker orphans, ControllerStatus status, ILogger<ControllerScan> logger)
{
    public async Task ScanAsync(CancellationToken cancellationToken)
    {
        LogScanning();
        try
        {
            files.Rewatch();
            var timed = await views.RefreshAsync(cancellationToken);
            status.Tick();
            await orphans.ObserveAsync(timed.View, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A scan is fired and forgotten by the push source: its failure must be logged, never lost.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogScanFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "tmux scan")]
    private partial void LogScanning();

    [LoggerMessage(Level = LogLevel.Error, Message = "tmux scan failed")]
    private partial void LogScanFailed(Exception exception);
}
