namespace RegistryController.Cluster;

/// <summary>Outside a cluster events go nowhere (the logs already say everything).</summary>
public sealed class NullEventSink : IEventSink
{
    public static NullEventSink Instance { get; } = new();

    public void Publish(ControllerEvent controllerEvent)
    {
    }
}
