using RegistryController.Controller;
using RegistryController.Store;

namespace RegistryController.Tests.Controller;

/// <summary>The one owner of a watched root's layout, on real directories.</summary>
public class WatchedWorkspacesTests
{
    [Fact]
    public void A_root_becomes_sqlite_2026_once_its_state_database_stands_and_the_switch_is_told_once()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("workspace");
        Directory.CreateDirectory(Path.Combine(root, "registry"));
        var workspaces = new WatchedWorkspaces([root]);
        var told = new List<string>();
        workspaces.Upgraded += told.Add;
        Assert.Equal(StateLayout.Json2025, workspaces.Refresh(root));

        File.WriteAllBytes(StateLayouts.DatabasePath(root), []);

        Assert.Equal(StateLayout.Json2025, workspaces.LayoutOf(root));
        Assert.Equal(StateLayout.Sqlite2026, workspaces.Refresh(root));
        Assert.Equal(StateLayout.Sqlite2026, workspaces.Refresh(root));
        Assert.Equal([root], told);
    }

    [Fact]
    public void A_sqlite_2026_root_whose_database_vanishes_stays_sqlite_2026()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("workspace");
        Directory.CreateDirectory(Path.Combine(root, "registry"));
        File.WriteAllBytes(StateLayouts.DatabasePath(root), []);
        var workspaces = new WatchedWorkspaces([root]);

        File.Delete(StateLayouts.DatabasePath(root));

        Assert.Equal(StateLayout.Sqlite2026, workspaces.Refresh(root));
    }

    [Fact]
    public void A_database_path_that_cannot_be_looked_at_leaves_a_json_root_json()
    {
        // registry/ a link to itself: every look below it fails with ELOOP, as one through a link being swapped might.
        using var temp = new TempDirectory();
        var root = temp.Combine("workspace");
        Directory.CreateDirectory(root);
        Directory.CreateSymbolicLink(Path.Combine(root, "registry"), Path.Combine(root, "registry"));
        var workspaces = new WatchedWorkspaces([root]);

        Assert.Equal(StateLayout.Json2025, workspaces.Refresh(root));
    }
}
