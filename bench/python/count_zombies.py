# The throw-away script a person would write: json.load every registry, one tmux ls, count zombies.
import glob, json, subprocess, sys
workspace = sys.argv[1] if len(sys.argv) > 1 else ".agent-workspace"
sessions = set(subprocess.run(["tmux", "ls", "-F", "#{session_name}"], capture_output=True, text=True).stdout.split())
active = {"running", "working", "blocked", "reviewing"}
zombies = 0
for path in glob.glob(f"{workspace}/registry/GLOBAL_REGISTRY.json") + glob.glob(f"{workspace}/TASK-*/AGENT_REGISTRY.json"):
    with open(path) as f:
        registry = json.load(f)
    agents = registry.get("agents", [])
    zombies += sum(1 for a in agents if isinstance(a, dict) and a.get("status") in active and a.get("tmux_session") not in sessions)
print(zombies)
