namespace RegistryController.Registry;

/// <summary>The two file shapes of the contract: a task's agents list, or the workspace's agents dict.</summary>
public enum RegistryKind
{
    Task,
    Global,
}
