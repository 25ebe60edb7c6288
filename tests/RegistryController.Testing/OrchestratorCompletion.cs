using System.Globalization;

namespace RegistryController.Testing;

/// <summary>
/// Replays, in python3, what the orchestrator (52487f0) does when an agent calls
/// <c>update_agent_progress(status="completed")</c>, step for step and as unguarded as the original:
/// append the completed line to the progress file; read the task registry without a lock; change the
/// agent in memory (status, progress, last_update, completion_validation, completed_at; active_count - 1,
/// completed_count + 1); clean up: kill the agent's session, wait for its processes, move its stream,
/// progress and findings files to archive/; then, about a second after the kill, write the task registry
/// from that earlier read with <c>open('w')</c> + <c>json.dump(indent=2)</c>, and read and write the
/// global registry the same way (status, last_update, completed_at, active_agents - 1).
/// </summary>
public static class OrchestratorCompletion
{
    private const string Script = """
        import json, os, shutil, subprocess, sys, time
        from datetime import datetime

        workspace, global_path, agent_id, socket, settle = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
        registry_path = f"{workspace}/AGENT_REGISTRY.json"
        started = time.monotonic()
        def step(what):
            print(f"{time.monotonic() - started:.3f} s: {what}", flush=True)

        os.makedirs(f"{workspace}/progress", exist_ok=True)
        entry = {"timestamp": datetime.now().isoformat(), "agent_id": agent_id, "status": "completed", "message": "Done: the login endpoint is rate limited and tested", "progress": 100}
        with open(f"{workspace}/progress/{agent_id}_progress.jsonl", "a") as f:
            f.write(json.dumps(entry) + "\n")
        step("completed line appended")

        with open(registry_path, "r") as f:
            registry = json.load(f)
        step("task registry read (no lock)")
        agent = None
        previous = None
        for a in registry["agents"]:
            if a["id"] == agent_id:
                previous = a.get("status")
                a["last_update"] = datetime.now().isoformat()
                a["status"] = "completed"
                a["progress"] = 100
                agent = a
                break
        agent["completion_validation"] = {"confidence": 0.9, "warnings": [], "blocking_issues": [], "evidence_summary": {}, "validated_at": datetime.now().isoformat()}
        agent["completed_at"] = datetime.now().isoformat()

        active_statuses = ["running", "working", "blocked"]
        if previous in active_statuses:
            registry["active_count"] = max(0, registry.get("active_count", 0) - 1)
            registry["completed_count"] = registry.get("completed_count", 0) + 1
            session = agent["tmux_session"]
            subprocess.run(["tmux", "-S", socket, "kill-session", "-t", "=" + session], check=True)
            step(f"session {session} killed")
            time.sleep(0.5)  # its first wait for the agent's processes to go
            os.makedirs(f"{workspace}/archive", exist_ok=True)
            archived = []
            for source in (f"{workspace}/logs/{agent_id}_stream.jsonl", f"{workspace}/progress/{agent_id}_progress.jsonl", f"{workspace}/findings/{agent_id}_findings.jsonl"):
                if os.path.exists(source):
                    target = f"{workspace}/archive/{os.path.basename(source)}"
                    shutil.move(source, target)
                    archived.append(target)
            step("files moved to archive/")
            agent["auto_cleanup_result"] = {"success": True, "tmux_session_killed": True, "prompt_file_deleted": True, "log_files_archived": True, "verified_no_zombies": True, "errors": [], "archived_files": archived}
            agent["auto_cleanup_timestamp"] = datetime.now().isoformat()

        time.sleep(settle)
        with open(registry_path, "w") as f:
            json.dump(registry, f, indent=2)
        step("task registry written (no lock, from the earlier read)")

        if os.path.exists(global_path):
            with open(global_path, "r") as f:
                global_reg = json.load(f)
            if agent_id in global_reg.get("agents", {}):
                global_reg["agents"][agent_id]["status"] = "completed"
                global_reg["agents"][agent_id]["last_update"] = datetime.now().isoformat()
                if previous in active_statuses:
                    global_reg["active_agents"] = max(0, global_reg.get("active_agents", 0) - 1)
                    global_reg["agents"][agent_id]["completed_at"] = datetime.now().isoformat()
                with open(global_path, "w") as f:
                    json.dump(global_reg, f, indent=2)
                step("global registry written (no lock)")
        """;

    /// <summary>Runs the whole sequence and returns its timed steps (one line each).</summary>
    /// <param name="taskDirectory">The task's directory (its AGENT_REGISTRY.json, logs/, progress/).</param>
    /// <param name="settle">The wait between moving the files and writing the registry (about a second in the original).</param>
    public static Task<string> RunAsync(string taskDirectory, string globalRegistry, string agentId, string tmuxSocket, TimeSpan settle) =>
        Python.RunAsync(Script, taskDirectory, globalRegistry, agentId, tmuxSocket, settle.TotalSeconds.ToString(CultureInfo.InvariantCulture));
}
