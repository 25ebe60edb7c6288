namespace RegistryController.Reconcile;

/// <summary>An agent whose status says active but whose session is gone or dead.</summary>
public sealed record Zombie(string AgentId, string Session, string OldStatus, string Reason);
