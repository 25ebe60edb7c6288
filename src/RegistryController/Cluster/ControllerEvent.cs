namespace RegistryController.Cluster;

/// <summary>Something an operator should see in `kubectl describe pod`: a zombie terminated, an orphan, a held guard.</summary>
public sealed record ControllerEvent(ControllerEventType Type, string Reason, string Message);
