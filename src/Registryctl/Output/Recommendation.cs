using RegistryController.Reconcile;

namespace Registryctl.Output;

public sealed record Recommendation(Severity Severity, string Message);
