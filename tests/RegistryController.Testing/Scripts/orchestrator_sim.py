"""One orchestrator writer for registry-controller's concurrency torture.

It writes task registries (and, when careful, the global registry) exactly as the orchestrator does,
at a high rate, while the controller runs:

  careful:  open(path, 'r+'), fcntl.flock(LOCK_EX | LOCK_NB) in a retry loop (0.1 s step, 10 s
            timeout), json.load, change, seek(0), write(json.dumps(indent=2)), truncate(), unlock.
  careless: json.load(open(path)) with no lock, change, open(path, 'w') + json.dump(indent=2).

Operations: spawn (create the tmux session first, then append the agent: active_count + 1,
total_spawned + 1), progress, complete (status completed, completed_count + 1, active_count - 1, then
kill the session), terminate (kill the session, then status terminated, active_count - 1 unless the
controller was first) and crash (kill the session and tell nobody: the controller must find it).

Every time it holds a registry it checks what it knows: each agent it spawned there is present, and
each agent it knows to be alive (session created, never killed) is still active with the progress it
last wrote. A failed check is a violation, recorded with the file's bytes. At the end it writes what
it intended (every agent's fate and last progress, its counts per registry) as JSON to the log path.

Usage: python3 orchestrator_sim.py CONFIG.json   (keys: name, mode, registries, global, tmux, ops,
seed, log, min_alive, max_alive)
"""
import base64
import fcntl
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime

ACTIVE = {"running", "working", "blocked", "reviewing"}
PROMPT = "You are a torture-test agent.\n\nYOUR MISSION:\n1. Be spawned, make progress, finish, or die.\n2. Never be terminated while your session lives."

cfg = json.load(open(sys.argv[1]))
name = cfg["name"]
careful = cfg["mode"] == "careful"
registries = cfg["registries"]
global_path = cfg.get("global") if careful else None
sock = cfg["tmux"]
rng = random.Random(cfg["seed"])
min_alive, max_alive = cfg.get("min_alive", 4), cfg.get("max_alive", 24)

alive = {}       # agent id -> registry path: session created, never killed, never finished
expect = {}      # agent id -> what the registry must say at the end
spawned_into = {p: set() for p in registries}
counts = {p: {"spawned": 0, "completed": 0} for p in registries}
stats = {"ops": 0, "spawn": 0, "progress": 0, "complete": 0, "terminate": 0, "crash": 0,
         "lock_waits": 0, "lock_wait_seconds": 0.0, "lock_timeouts": 0, "careless_read_retries": 0,
         "controller_terminated_first": 0, "tmux_calls": 0}
violations = []
serial = 0


def now():
    return datetime.now().isoformat()


def tmux(*args):
    stats["tmux_calls"] += 1
    subprocess.run(["tmux", "-S", sock, *args], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def violation(kind, path, detail, raw=None):
    v = {"kind": kind, "simulator": name, "registry": path, "detail": detail, "at": now()}
    if raw is not None and len(violations) < 20:
        v["bytes_b64"] = base64.b64encode(raw).decode()
    violations.append(v)


class LockTimeout(Exception):
    pass


def lock_exclusive(f):
    """The orchestrator's loop: LOCK_EX | LOCK_NB, 0.1 s between tries, 10 s in all."""
    started = time.monotonic()
    waited = False
    while True:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() - started > 10:
                raise LockTimeout()
            waited = True
            time.sleep(0.1)
    if waited:
        stats["lock_waits"] += 1
        stats["lock_wait_seconds"] += time.monotonic() - started


def update(path, change):
    if careful:
        for _ in range(3):
            try:
                with open(path, "r+") as f:
                    lock_exclusive(f)
                    try:
                        raw = f.read()
                        try:
                            data = json.loads(raw)
                        except ValueError as e:
                            # Under LOCK_EX nobody else may be writing: this is a torn file.
                            violation("locked read saw invalid JSON", path, str(e), raw.encode())
                            raise
                        change(data)
                        f.seek(0)
                        f.write(json.dumps(data, indent=2))
                        f.truncate()
                        f.flush()
                    finally:
                        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
                return
            except LockTimeout:
                stats["lock_timeouts"] += 1
                violation("lock timeout (10 s)", path, "could not take LOCK_EX within 10 s")
        raise SystemExit(f"{name}: gave up on {path} after three lock timeouts")
    else:
        for _ in range(2000):
            try:
                with open(path) as f:
                    data = json.load(f)
                break
            except ValueError:
                # Unlocked: a locked writer's in-place write may be in flight.
                stats["careless_read_retries"] += 1
                time.sleep(0.001)
        else:
            raise SystemExit(f"{name}: {path} never parsed")
        change(data)
        with open(path, "w") as f:
            json.dump(data, f, indent=2)


def find(data, agent_id):
    for a in data["agents"]:
        if a.get("id") == agent_id:
            return a
    return None


def check(data, path):
    """What this simulator knows must still be in the file it holds."""
    present = {a.get("id"): a for a in data["agents"]}
    for agent_id in spawned_into[path]:
        if agent_id not in present:
            violation("agent lost", path, agent_id, json.dumps(data, indent=2).encode())
            spawned_into[path].discard(agent_id)
            alive.pop(agent_id, None)
            return
    for agent_id, where in list(alive.items()):
        if where != path:
            continue
        a = present[agent_id]
        if a.get("status") not in ACTIVE:
            violation("live agent no longer active", path,
                      f"{agent_id}: status {a.get('status')!r}, reason {a.get('termination_reason')!r}; its session was never killed",
                      json.dumps(a, indent=2).encode())
            alive.pop(agent_id)
            expect[agent_id]["fate"] = "violated"
        elif a.get("progress") != expect[agent_id]["progress"] or a.get("last_update") != expect[agent_id]["last_update"]:
            violation("update lost", path,
                      f"{agent_id}: progress {a.get('progress')!r}/{a.get('last_update')!r}, wrote {expect[agent_id]['progress']!r}/{expect[agent_id]['last_update']!r}")
            expect[agent_id]["progress"] = a.get("progress")
            expect[agent_id]["last_update"] = a.get("last_update")


def check_global(g):
    for agent_id in expect:
        if agent_id not in g["agents"] and agent_id not in lost_global:
            lost_global.add(agent_id)
            violation("global entry lost", global_path, agent_id)


lost_global = set()


def task_id(path):
    return os.path.basename(os.path.dirname(path))


def spawn():
    global serial
    serial += 1
    path = rng.choice(registries)
    agent_id = f"{name}-{serial:05d}"
    session = "agent_" + agent_id
    tmux("new-session", "-d", "-s", session, "cat")
    started = now()
    agent = {"id": agent_id, "type": "torture", "tmux_session": session, "parent": "orchestrator", "depth": 1,
             "status": "running", "started_at": started, "progress": 0, "last_update": started, "prompt": PROMPT}

    def change(data):
        check(data, path)
        data["agents"].append(agent)
        data["active_count"] += 1
        data["total_spawned"] += 1
        if isinstance(data.get("agent_hierarchy"), dict):
            data["agent_hierarchy"].setdefault("orchestrator", []).append(agent_id)

    update(path, change)
    alive[agent_id] = path
    spawned_into[path].add(agent_id)
    counts[path]["spawned"] += 1
    expect[agent_id] = {"registry": path, "fate": "alive", "status": "running", "progress": 0, "last_update": started}
    if global_path:
        def change_global(g):
            g["agents"][agent_id] = {"task_id": task_id(path), "type": "torture", "parent": "orchestrator",
                                     "started_at": started, "tmux_session": session}
            check_global(g)
            g["total_agents_spawned"] += 1
            g["active_agents"] += 1
        update(global_path, change_global)


def progress():
    agent_id = rng.choice(list(alive))
    path = alive[agent_id]
    value, stamp = rng.randrange(1, 99), now()

    def change(data):
        check(data, path)
        if agent_id in alive:
            a = find(data, agent_id)
            a["progress"] = value
            a["last_update"] = stamp

    update(path, change)
    if agent_id in alive:
        expect[agent_id].update(progress=value, last_update=stamp)


def complete():
    agent_id = rng.choice(list(alive))
    path = alive[agent_id]
    stamp = now()
    done = []

    def change(data):
        check(data, path)
        if agent_id in alive:
            a = find(data, agent_id)
            a.update(status="completed", progress=100, completed_at=stamp, last_update=stamp)
            data["completed_count"] += 1
            data["active_count"] -= 1
            done.append(True)

    update(path, change)
    if not done:
        return
    del alive[agent_id]
    counts[path]["completed"] += 1
    expect[agent_id].update(fate="completed", status="completed", progress=100, last_update=stamp)
    if global_path:
        def change_global(g):
            check_global(g)
            entry = g["agents"].get(agent_id)
            if entry is None:
                return
            if entry.get("status", "running") in ACTIVE:
                g["active_agents"] -= 1
            entry.update(status="completed", completed_at=stamp, last_update=stamp)
        update(global_path, change_global)
    # As the orchestrator leaves it: the agent finished, its session ends afterwards.
    tmux("kill-session", "-t", "=agent_" + agent_id)


def terminate():
    agent_id = rng.choice(list(alive))
    path = alive.pop(agent_id)
    expect[agent_id].update(fate="terminated", status="terminated")
    tmux("kill-session", "-t", "=agent_" + agent_id)
    stamp = now()

    def change(data):
        check(data, path)
        a = find(data, agent_id)
        if a is None:
            return
        if a["status"] in ACTIVE:
            a.update(status="terminated", terminated_at=stamp, last_update=stamp)
            data["active_count"] -= 1
        else:
            # The session was already gone: the controller may legitimately have been first.
            stats["controller_terminated_first"] += 1

    update(path, change)
    if global_path:
        def change_global(g):
            check_global(g)
            entry = g["agents"].get(agent_id)
            if entry is not None and entry.get("status", "running") in ACTIVE:
                g["active_agents"] -= 1
                entry.update(status="terminated", terminated_at=stamp, last_update=stamp)
        update(global_path, change_global)


def crash():
    agent_id = rng.choice(list(alive))
    alive.pop(agent_id)
    expect[agent_id].update(fate="crashed", status="terminated")
    tmux("kill-session", "-t", "=agent_" + agent_id)


def main():
    started = time.monotonic()
    for _ in range(cfg["ops"]):
        if len(alive) < min_alive:
            op = spawn
        else:
            weights = [(spawn, 0 if len(alive) >= max_alive else 3), (progress, 6), (complete, 1.4),
                       (terminate, 1), (crash, 0.6)]
            op = rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]
        op()
        stats[op.__name__] += 1
        stats["ops"] += 1
    stats["seconds"] = time.monotonic() - started
    with open(cfg["log"], "w") as f:
        json.dump({"name": name, "mode": cfg["mode"], "stats": stats, "violations": violations, "expect": expect,
                   "counts": counts, "alive_sessions": ["agent_" + a for a in alive]}, f, indent=1)


main()
