using System.Text.Json.Nodes;
using RegistryController.Judgement;

namespace RegistryController.Testing;

/// <summary>Agent entries shaped like the orchestrator's.</summary>
public static class Agents
{
    /// <summary>An active agent spawned <paramref name="age"/> ago (default: ten minutes, well past any grace period).</summary>
    public static JsonObject Active(string id, string session, TimeSpan? age = null, string status = "working")
    {
        var started = PythonIsoformat(DateTimeOffset.UtcNow - (age ?? TimeSpan.FromMinutes(10)));
        return new JsonObject
        {
            ["id"] = id,
            ["type"] = id.Split('-')[0],
            ["tmux_session"] = session,
            ["parent"] = "orchestrator",
            ["depth"] = 1,
            ["status"] = status,
            ["started_at"] = started,
            ["progress"] = 10,
            ["last_update"] = started,
            ["prompt"] = "You are a test agent.",
        };
    }

    /// <summary>A zombie: active, old, and its session never existed.</summary>
    public static JsonObject Zombie(string id) => Active(id, "agent_" + id);

    /// <summary>A time as Python's naive <c>datetime.now().isoformat()</c> writes it.</summary>
    public static string PythonIsoformat(DateTimeOffset at) => new ClockReading(at, TimeZoneInfo.Local).NowAsPythonIsoformat();

    /// <summary>Reads an orchestrator timestamp (naive local time).</summary>
    public static DateTimeOffset? ParseTimestamp(string? text) => new ClockReading(DateTimeOffset.UtcNow, TimeZoneInfo.Local).Parse(text);
}
