using RegistryController.Generation;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary>
/// Something other than a file where a registry belongs (found by the mutation suite): it is
/// reported by path with a problem that says what it is, never written, and the others are repaired.
/// </summary>
public class PlantedRegistryPathTests
{
    private static readonly AgentMix Mix = new(Live: 2, Zombie: 1);

    [Fact]
    public async Task A_directory_where_a_task_registry_belongs_is_reported_as_refused_and_the_others_are_repaired()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 3, Mix);
        var planted = workspace.TaskIds[1];
        File.Delete(workspace.TaskPath(planted));
        Directory.CreateDirectory(workspace.TaskPath(planted));

        var result = await workspace.RunAsync("repair", "--json");

        Assert.True(result.ExitCode == ExitCodes.Discrepancies, result.ToString());
        var entry = result.Report().GetProperty("registries").EnumerateArray().Single(r => r.GetProperty("path").GetString() == workspace.TaskPath(planted));
        Assert.Equal("unreadable", entry.GetProperty("status").GetString());
        Assert.Contains("not a regular file", entry.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(Directory.Exists(workspace.TaskPath(planted)));
        foreach (var zombie in workspace.Truth.Zombies.Where(z => z.TaskId != planted))
        {
            Assert.Equal("terminated", (string?)workspace.TaskAgent(zombie.TaskId, zombie.AgentId)["status"]);
        }
    }

    [Fact]
    public async Task A_directory_where_the_global_registry_belongs_is_reported_as_refused()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix);
        File.Delete(workspace.GlobalPath);
        Directory.CreateDirectory(workspace.GlobalPath);

        var result = await workspace.RunAsync("repair", "--json");

        var entry = result.Report().GetProperty("registries").EnumerateArray().Single(r => r.GetProperty("path").GetString() == workspace.GlobalPath);
        Assert.Equal("unreadable", entry.GetProperty("status").GetString());
        Assert.Equal(workspace.ZombieIds(), workspace.TaskAgentsWithStatus("terminated"));
    }

    [Theory]
    [InlineData("self-link", "loops back on itself")]
    [InlineData("link-loop", "loops back on itself")]
    [InlineData("dangling-link", "is a symbolic link to no-such-registry.json, which does not exist")]
    public async Task A_link_that_leads_nowhere_is_reported_with_what_it_is(string kind, string problem)
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix);
        var path = workspace.TaskPath(workspace.TaskIds[1]);
        File.Delete(path);
        switch (kind)
        {
            case "self-link":
                File.CreateSymbolicLink(path, Path.GetFileName(path));
                break;
            case "link-loop":
                File.CreateSymbolicLink(path, "other.json");
                File.CreateSymbolicLink(Path.Combine(Path.GetDirectoryName(path)!, "other.json"), Path.GetFileName(path));
                break;
            default:
                File.CreateSymbolicLink(path, "no-such-registry.json");
                break;
        }

        var result = await workspace.RunAsync("repair", "--json");

        var entry = result.Report().GetProperty("registries").EnumerateArray().Single(r => r.GetProperty("path").GetString() == path);
        Assert.Equal("unreadable", entry.GetProperty("status").GetString());
        Assert.Contains(problem, entry.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("refused", entry.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
