using System.Text.Json.Nodes;

namespace RegistryController.Testing;

/// <summary>
/// Writes registries from python3 exactly as the orchestrator's careful writer does: open r+,
/// flock(LOCK_EX | LOCK_NB) in a 10 s retry loop with 0.1 s steps, read, change, seek(0), write
/// json.dumps(indent=2), truncate, unlock.
/// </summary>
public static class OrchestratorWriter
{
    /// <summary>The locking prologue/epilogue shared by every script (defines <c>update(path, change)</c>).</summary>
    public const string Prelude = """
        import fcntl, json, os, sys, time

        def lock(f):
            deadline = time.time() + 10
            while True:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.1)

        def update(path, change):
            with open(path, "r+") as f:
                lock(f)
                data = json.load(f)
                change(data)
                f.seek(0)
                f.write(json.dumps(data, indent=2))
                f.truncate()
                f.flush()
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

        ACTIVE = ("running", "working", "blocked", "reviewing")

        def append_agent(data, agent):
            data["agents"].append(agent)
            data["total_spawned"] += 1
            if agent["status"] in ACTIVE:
                data["active_count"] += 1

        """;

    private const string UpdateScript = Prelude + """
        path, code, arg = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        def change(data):
            exec(code, {"data": data, "arg": arg, "append_agent": append_agent})
        update(path, change)
        """;

    private const string CreateScript = """
        import fcntl, os, sys
        path, text = sys.argv[1], sys.argv[2]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            f.write(text)
            f.flush()
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        """;

    /// <summary>Runs <paramref name="code"/> (Python, with <c>data</c> and <c>arg</c> in scope) on the file under the lock.</summary>
    public static Task UpdateAsync(string path, string code, JsonNode? arg = null) =>
        Python.RunAsync(UpdateScript, path, code, arg?.ToJsonString() ?? "null");

    /// <summary>Appends an agent as a spawn does: the entry, total_spawned + 1, and active_count + 1 if it is active.</summary>
    public static Task AppendAgentAsync(string taskRegistry, JsonObject agent) =>
        UpdateAsync(taskRegistry, "append_agent(data, arg)", agent);

    /// <summary>Creates a registry (and its directory) with Python's json.dumps(indent=2) of <paramref name="content"/>.</summary>
    public static async Task CreateAsync(string path, JsonObject content)
    {
        var text = await Python.RunAsync("import json,sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1]), indent=2))", content.ToJsonString());
        await Python.RunAsync(CreateScript, path, text);
    }
}
