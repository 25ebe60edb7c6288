using Mono.Unix.Native;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>
/// A registry whose path is already its real path inside the workspace is opened in one call; every other path is
/// left to the resolver (<see cref="WorkspacePathGuard.Resolve"/>), which decides and explains.
/// </summary>
public class WorkspacePathGuardTests
{
    private static readonly int Reading = NativeConvert.FromOpenFlags(OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC);

    [Fact]
    public void A_plain_path_inside_the_workspace_is_opened_directly()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Combine("workspace"));
        var path = Path.Combine(root, FixtureFiles.TaskId, RegistryDiscovery.TaskRegistryFileName);

        var fd = WorkspacePathGuard.OpenPlain(new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId), Reading);
        try
        {
            Assert.True(fd >= 0);
            Assert.Equal(0, Syscall.fstat(fd, out var opened));
            Assert.Equal(new FileInfo(path).Length, opened.st_size);
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    [Fact]
    public void A_registry_linked_to_a_file_inside_the_workspace_is_left_to_the_resolver()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Combine("workspace"));
        var path = Path.Combine(root, FixtureFiles.TaskId, RegistryDiscovery.TaskRegistryFileName);
        var target = Path.Combine(root, "registry", "task-copy.json");
        File.Move(path, target);
        File.CreateSymbolicLink(path, target);
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);

        Assert.Equal(-1, WorkspacePathGuard.OpenPlain(location, Reading));
        Assert.Equal(target, WorkspacePathGuard.Resolve(location));
    }

    [Fact]
    public void A_workspace_reached_through_a_link_is_left_to_the_resolver()
    {
        using var temp = new TempDirectory();
        var real = FixtureFiles.CopyToWorkspace(temp.Combine("workspace"));
        var root = temp.Combine("linked-workspace");
        Directory.CreateSymbolicLink(root, real);
        var path = Path.Combine(root, FixtureFiles.TaskId, RegistryDiscovery.TaskRegistryFileName);
        var location = new RegistryLocation(root, path, RegistryKind.Task, FixtureFiles.TaskId);

        Assert.Equal(-1, WorkspacePathGuard.OpenPlain(location, Reading));
        Assert.Equal(Path.Combine(real, FixtureFiles.TaskId, RegistryDiscovery.TaskRegistryFileName), WorkspacePathGuard.Resolve(location));
    }

    [Fact]
    public void A_path_that_climbs_out_of_the_workspace_by_dot_dot_is_never_opened_directly()
    {
        using var temp = new TempDirectory();
        var root = FixtureFiles.CopyToWorkspace(temp.Combine("workspace"));
        Directory.CreateDirectory(temp.Combine("elsewhere"));
        File.WriteAllText(temp.Combine("elsewhere", RegistryDiscovery.TaskRegistryFileName), "{}");
        var path = root + "/../elsewhere/" + RegistryDiscovery.TaskRegistryFileName;
        var location = new RegistryLocation(root, path, RegistryKind.Task, "elsewhere");

        Assert.Equal(-1, WorkspacePathGuard.OpenPlain(location, Reading));
        var error = Assert.Throws<RegistryAccessException>(() => WorkspacePathGuard.Resolve(location));
        Assert.Contains("outside the workspace", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("workspace")]
    public void A_workspace_root_that_is_not_absolute_never_opens_a_registry_directly(string root)
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("registry.json");
        File.WriteAllText(path, "{}");

        Assert.Equal(-1, WorkspacePathGuard.OpenPlain(new RegistryLocation(root, path, RegistryKind.Task, "TASK-1"), Reading));
    }

    [Theory]
    [InlineData("/workspace/TASK-1/AGENT_REGISTRY.json", true)]
    [InlineData("/workspace/./TASK-1/AGENT_REGISTRY.json", false)]
    [InlineData("/workspace/../TASK-1/AGENT_REGISTRY.json", false)]
    [InlineData("/workspace//TASK-1/AGENT_REGISTRY.json", false)]
    [InlineData("/workspace/TASK-1/", false)]
    [InlineData("workspace/TASK-1/AGENT_REGISTRY.json", false)]
    [InlineData("/workspace/TASK-1/..", false)]
    public void Only_an_absolute_path_of_named_components_is_plain(string path, bool plain) =>
        Assert.Equal(plain, WorkspacePathGuard.IsPlain(path));
}
