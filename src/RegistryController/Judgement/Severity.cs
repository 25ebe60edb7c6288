namespace RegistryController.Judgement;

public enum Severity
{
    Info,
    Low,
    Medium,
    High,
}
