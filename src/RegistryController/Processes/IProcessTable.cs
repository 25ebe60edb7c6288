namespace RegistryController.Processes;

/// <summary>The processes of this host, one pid at a time.</summary>
internal interface IProcessTable
{
    /// <summary>Whether <paramref name="pid"/> runs, and since when. Never throws for a missing or unreadable process.</summary>
    ProcessSighting Look(int pid);
}
