using RegistryController.Generation;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Testing;

/// <summary>Registries as the orchestrator writes them: its own files, and a generated workspace's.</summary>
internal static class RegistrySamples
{
    /// <summary>The 2025 fixtures and a small generated workspace's registries (written under <paramref name="root"/>).</summary>
    public static List<(string Name, RegistryKind Kind, byte[] Bytes)> Written(string root)
    {
        var generated = WorkspaceGenerator.Generate(root, 2, new AgentMix(Live: 2, Zombie: 2, Completed: 3), orphans: 0, ClockReading.From(TimeProvider.System));
        return
        [
            ("fixture-task", RegistryKind.Task, File.ReadAllBytes(FixtureFiles.TaskRegistry)),
            ("fixture-global", RegistryKind.Global, File.ReadAllBytes(FixtureFiles.GlobalRegistry)),
            ("generated-task", RegistryKind.Task, File.ReadAllBytes(Path.Combine(root, generated.TaskIds[0], RegistryDiscovery.TaskRegistryFileName))),
            ("generated-global", RegistryKind.Global, File.ReadAllBytes(RegistryDiscovery.GlobalRegistryPath(root))),
        ];
    }

    /// <summary>A generated workspace's global registry of at least <paramref name="minimumBytes"/>.</summary>
    public static byte[] LargeGlobal(string root, int minimumBytes)
    {
        for (var tasks = 8; ; tasks *= 2)
        {
            var workspace = Path.Combine(root, $"large-{tasks}");
            WorkspaceGenerator.Generate(workspace, tasks, new AgentMix(Live: 4, Zombie: 4, Completed: 12), orphans: 0, ClockReading.From(TimeProvider.System));
            var bytes = File.ReadAllBytes(RegistryDiscovery.GlobalRegistryPath(workspace));
            if (bytes.Length >= minimumBytes)
            {
                return bytes;
            }
        }
    }
}
