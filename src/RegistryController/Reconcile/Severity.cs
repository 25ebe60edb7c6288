namespace RegistryController.Reconcile;

public enum Severity
{
    Info,
    Low,
    Medium,
    High,
}
