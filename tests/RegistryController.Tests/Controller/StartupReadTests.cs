using RegistryController.Generation;
using RegistryController.Store;

namespace RegistryController.Tests.Controller;

/// <summary>
/// A start-up reads each registry once: the cache is filled by one read of the workspace, and each key's first
/// reconcile judges that read again when the file still bears its stamp, rather than reading and parsing it twice.
/// </summary>
public class StartupReadTests
{
    private const int Tasks = 6;
    private static readonly DateTime LongAgo = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public async Task A_start_up_on_registries_nobody_writes_reads_and_parses_each_of_them_once()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(Tasks, new AgentMix(Live: 2, Zombie: 0, Completed: 1));
        var registries = RegistryDiscovery.Discover(workspace.Root);
        foreach (var registry in registries)
        {
            File.SetLastWriteTimeUtc(registry.Path, LongAgo);
        }

        await using var controller = await InProcessController.StartAsync(workspace.Root, workspace.Tmux);
        await controller.WaitForIdleQueueAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Tasks + 1, registries.Count);
        Assert.Equal(registries.Count, controller.Store.Parses);
    }
}
