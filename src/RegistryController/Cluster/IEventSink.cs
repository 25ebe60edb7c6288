namespace RegistryController.Cluster;

/// <summary>
/// Where controller events go. Implementations must return at once and never throw: an unreachable
/// API server must never block or fail a reconcile.
/// </summary>
public interface IEventSink
{
    void Publish(ControllerEvent controllerEvent);
}
