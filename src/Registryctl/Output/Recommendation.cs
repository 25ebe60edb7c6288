using RegistryController.Judgement;

namespace Registryctl.Output;

public sealed record Recommendation(Severity Severity, string Message);
