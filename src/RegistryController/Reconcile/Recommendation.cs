namespace RegistryController.Reconcile;

public sealed record Recommendation(Severity Severity, string Message);
