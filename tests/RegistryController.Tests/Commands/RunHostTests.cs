using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary>The host <c>registryctl run</c> builds, before anything is added to it.</summary>
public class RunHostTests
{
    [Fact]
    public void The_run_host_puts_no_watch_on_the_directories_below_its_working_directory()
    {
        using var cwd = new TempDirectory();
        var below = Directory.CreateDirectory(cwd.Combine("a-workspace", "TASK-1")).FullName;

        _ = RunCommand.CreateBuilder(cwd.Path);

        Assert.False(InotifyWatches.Watches(cwd.Path), "the content root is watched");
        Assert.False(InotifyWatches.Watches(below), "a directory below the content root is watched");
    }
}
