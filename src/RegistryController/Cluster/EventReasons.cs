namespace RegistryController.Cluster;

/// <summary>The reasons the controller records (Kubernetes event reasons are UpperCamelCase).</summary>
internal static class EventReasons
{
    public const string ZombieTerminated = "ZombieTerminated";
    public const string OrphanSession = "OrphanSession";
    public const string RegistryUnreadable = "RegistryUnreadable";
    public const string MassTerminationHeld = "MassTerminationHeld";
}
