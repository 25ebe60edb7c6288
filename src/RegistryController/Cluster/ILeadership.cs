namespace RegistryController.Cluster;

/// <summary>
/// Whether this controller may write. With leader election several controllers can share one
/// workspace and tmux server: all of them judge and serve health and metrics, only the leader writes.
/// </summary>
public interface ILeadership
{
    bool IsLeader { get; }
}
