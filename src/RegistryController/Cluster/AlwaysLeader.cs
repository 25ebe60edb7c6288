namespace RegistryController.Cluster;

/// <summary>Without leader election, the only controller is the leader.</summary>
public sealed class AlwaysLeader : ILeadership
{
    public static AlwaysLeader Instance { get; } = new();

    public bool IsLeader => true;
}
