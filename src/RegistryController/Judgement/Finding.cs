namespace RegistryController.Judgement;

/// <summary>Something found in a registry. <see cref="Code"/> is stable for machines; the message is for people.</summary>
public sealed record Finding(Severity Severity, string Code, string Message);
