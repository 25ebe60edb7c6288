namespace Registryctl.Commands;

/// <summary>The exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    /// <summary>health: healthy. repair: done, or nothing to do.</summary>
    public const int Ok = 0;

    /// <summary>health: discrepancies found. repair: some registry not repaired (an error, or the guard held).</summary>
    public const int Discrepancies = 1;

    /// <summary>health: could not check. repair: usage or set-up error.</summary>
    public const int CannotRun = 2;
}
