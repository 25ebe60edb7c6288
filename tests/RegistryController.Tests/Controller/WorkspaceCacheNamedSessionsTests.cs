using System.Text.Json.Nodes;
using RegistryController.Controller;
using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Tests.Controller;

/// <summary>
/// The workspace's named sessions are kept between reads (building them walks every agent), so
/// every change that can alter them must be seen: a new agent's session, a registry that became
/// unreadable, a registry forgotten; and a status change must not cost a rebuild.
/// </summary>
public class WorkspaceCacheNamedSessionsTests
{
    private const string Path = "/workspace/TASK-20251017-215604-df6a3cbd/AGENT_REGISTRY.json";

    [Fact]
    public void A_session_named_by_a_later_read_of_a_registry_is_among_the_named_sessions()
    {
        var cache = new WorkspaceCache("/workspace");
        cache.Update(Read(File.ReadAllBytes(FixtureFiles.TaskRegistry)));
        var before = cache.NamedSessions().Sessions;

        cache.Update(Read(WithAgent(File.ReadAllBytes(FixtureFiles.TaskRegistry), "agent_added-later")));

        Assert.DoesNotContain("agent_added-later", before);
        Assert.Contains("agent_added-later", cache.NamedSessions().Sessions);
    }

    [Fact]
    public void A_registry_that_became_unreadable_makes_the_named_sessions_incomplete_and_forgetting_it_drops_its_sessions()
    {
        var cache = new WorkspaceCache("/workspace");
        cache.Update(Read(File.ReadAllBytes(FixtureFiles.TaskRegistry)));
        var named = cache.NamedSessions();

        cache.Update(RegistrySnapshot.Failed(Path, RegistryKind.Task, FixtureFiles.TaskId, "not valid JSON"));
        var unreadable = cache.NamedSessions();
        cache.Forget(Path);

        Assert.True(named.Complete && named.Sessions.Count > 0, "the fixture names sessions");
        Assert.False(unreadable.Complete);
        Assert.Empty(unreadable.Sessions);
        Assert.Empty(cache.NamedSessions().Sessions);
        Assert.True(cache.NamedSessions().Complete);
    }

    [Fact]
    public void A_read_that_changes_only_statuses_keeps_the_same_named_sessions()
    {
        var cache = new WorkspaceCache("/workspace");
        var bytes = File.ReadAllBytes(FixtureFiles.TaskRegistry);
        cache.Update(Read(bytes));
        var before = cache.NamedSessions().Sessions;
        var json = JsonNode.Parse(bytes)!.AsObject();
        foreach (var agent in json["agents"]!.AsArray())
        {
            agent!["status"] = "terminated";
        }

        cache.Update(Read(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));

        Assert.Same(before, cache.NamedSessions().Sessions);
    }

    private static RegistrySnapshot Read(byte[] bytes) =>
        RegistrySnapshot.Read(Path, RegistryKind.Task, FixtureFiles.TaskId, RegistryParser.Parse(bytes, Path, RegistryKind.Task));

    private static byte[] WithAgent(byte[] bytes, string session)
    {
        var json = JsonNode.Parse(bytes)!.AsObject();
        var agent = json["agents"]!.AsArray()[0]!.DeepClone().AsObject();
        agent["id"] = session["agent_".Length..];
        agent["tmux_session"] = session;
        json["agents"]!.AsArray().Add(agent);
        return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
    }
}
