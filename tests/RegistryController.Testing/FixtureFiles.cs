namespace RegistryController.Testing;

/// <summary>The orchestrator's real files (copied from its repository into Fixtures/).</summary>
public static class FixtureFiles
{
    public const string TaskId = "TASK-20251017-215604-df6a3cbd";

    public static string TaskRegistry => Path.Combine(AppContext.BaseDirectory, "Fixtures", $"{TaskId}.AGENT_REGISTRY.json");

    public static string GlobalRegistry => Path.Combine(AppContext.BaseDirectory, "Fixtures", "GLOBAL_REGISTRY.json");

    /// <summary>Lays the fixtures out as a workspace: registry/GLOBAL_REGISTRY.json and TASK-…/AGENT_REGISTRY.json.</summary>
    public static string CopyToWorkspace(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "registry"));
        Directory.CreateDirectory(Path.Combine(root, TaskId));
        File.Copy(GlobalRegistry, Path.Combine(root, "registry", "GLOBAL_REGISTRY.json"));
        File.Copy(TaskRegistry, Path.Combine(root, TaskId, "AGENT_REGISTRY.json"));
        return root;
    }
}
