using RegistryController.Judgement;

namespace Registryctl.Output;

internal sealed record Recommendation(Severity Severity, string Message);
