namespace RegistryController.Cluster;

/// <summary>The two Kubernetes event types.</summary>
public enum ControllerEventType
{
    Normal,
    Warning,
}
