namespace RegistryController.Pass;

public enum PassMode
{
    /// <summary>Judge only (<c>registryctl health</c>).</summary>
    Check,

    /// <summary>Judge and show what would be written (<c>repair --dry-run</c>).</summary>
    DryRun,

    /// <summary>Judge and write.</summary>
    Repair,
}
