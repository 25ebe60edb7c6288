#!/usr/bin/env python3
"""Whole-process `registryctl health --json` on a 2026 (SQLite) workspace beside the I/O floor.

Builds a workspace whose registry/state.sqlite3 is the orchestrator's fixture database (its schema, never
altered) holding TASKS tasks x AGENTS agents (one live agent per task with a tmux session on a private server,
the rest completed), then times, in one run and alternating: `registryctl health --json` and the floor, one
`sqlite3` query of every agent row plus one `tmux ls`. Prints the medians of wall time and of CPU time (user + system of
the command and of the processes it waited for: fairer than wall time on a loaded machine), the ratios, and the load
average before and after.

    python3 bench/python/sqlite_health_compare.py --registryctl out/registryctl [--tasks 1000] [--agents 20] [--runs 7]
        [--keep DIR] [--also OTHER/registryctl]

--also times another build (the one before a change) in the same rounds, on the same workspace and tmux server.

--keep DIR builds the workspace in DIR (which must not exist yet) and leaves it, with its tmux server, after the
runs, for profiling by hand: it prints the commands to run and to tear it all down.
"""
import argparse, json, os, resource, shutil, sqlite3, statistics, subprocess, tempfile, time

import tmux_server

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures", "orchestrator-2026", "registry", "state.sqlite3")


def build(root, tasks, agents, socket):
    registry = os.path.join(root, "registry")
    os.makedirs(registry)
    db = os.path.join(registry, "state.sqlite3")
    shutil.copyfile(os.environ.get("FIXTURE_DB", FIXTURE), db)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    for table in ("agent_progress_latest", "agents", "task_config", "tasks"):
        con.execute(f"DELETE FROM {table}")
    now = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 600))
    sessions = []
    for t in range(tasks):
        task = f"TASK-20261130-{t:04d}"
        con.execute("INSERT INTO tasks(task_id, workspace, status, created_at, updated_at) VALUES (?,?,?,?,?)",
                    (task, os.path.join(root, task), "ACTIVE", now, now))
        for a in range(agents):
            agent = f"agent-{t:04d}-{a:02d}"
            live = a == 0
            session = f"agent_{agent}" if live else None
            if live:
                sessions.append(session)
            con.execute("INSERT INTO agents(agent_id, task_id, type, tmux_session, started_at, completed_at, status, progress, last_update)"
                        " VALUES (?,?,?,?,?,?,?,?,?)",
                        (agent, task, "builder", session, now, None if live else now, "working" if live else "completed", 50 if live else 100, now))
    con.commit()
    con.close()
    for i in range(0, len(sessions), 100):
        command = ["tmux", "-S", socket]
        for j, name in enumerate(sessions[i:i + 100]):
            command += ([";"] if j else []) + ["new-session", "-d", "-s", name, "sleep 86400"]
        subprocess.run(command, check=True)
    return db, len(sessions)


def timed(command):
    """Wall time, and the CPU time (user + system) of the command and every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, shell=isinstance(command, str))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--registryctl", required=True)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and leave the workspace and its tmux server running")
    parser.add_argument("--also", metavar="REGISTRYCTL", help="another build timed in the same rounds")
    args = parser.parse_args()
    if args.keep:
        directory = os.path.abspath(args.keep)
        os.makedirs(directory)
    else:
        directory = tempfile.mkdtemp(prefix="registryctl-sqlite-bench-")
    socket = os.path.join(directory, "tmux.sock")
    root = os.path.join(directory, "workspace")
    try:
        db, live = build(root, args.tasks, args.agents, socket)
        print(f"{args.tasks} tasks x {args.agents} agents ({os.path.getsize(db) / 1e6:.1f} MB database), {live} live sessions, {os.cpu_count()} cores")
        health = [os.path.abspath(args.registryctl), "health", "--json", "--workspace", root, "--tmux-socket", socket]
        floor = f"sqlite3 -readonly {db} 'SELECT agent_id, task_id, tmux_session, status, started_at, claude_pid, cursor_pid FROM agents' >/dev/null && tmux -S {socket} ls >/dev/null"
        timed(floor)  # warm the page cache for both
        first = subprocess.run(health, capture_output=True, text=True)
        summary = json.loads(first.stdout).get("summary", {})
        print(f"health exited {first.returncode}: {summary}")
        print(f"load average before the runs: {', '.join(f'{l:.2f}' for l in os.getloadavg())}")
        commands = {"registryctl health --json": health, "floor: sqlite3 query + tmux ls": floor}
        if args.also:
            commands["other build: health --json"] = [os.path.abspath(args.also), *health[1:]]
        times = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command))
        medians = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
        cpus = {k: statistics.median(c for _, c in v) for k, v in times.items()}
        for name, median in medians.items():
            print(f"{name:32} median {median * 1000:8.1f} ms  (runs: {', '.join(f'{w * 1000:.0f}' for w, _ in times[name])})")
            print(f"{'':32} CPU    {cpus[name] * 1000:8.1f} ms  (runs: {', '.join(f'{c * 1000:.0f}' for _, c in times[name])})")
        for name in (n for n in commands if "health" in n):
            print(f"ratio {name} / floor: {medians[name] / medians['floor: sqlite3 query + tmux ls']:.2f}"
                  f" (CPU: {cpus[name] / cpus['floor: sqlite3 query + tmux ls']:.2f})")
        print(f"load average after the runs: {', '.join(f'{l:.2f}' for l in os.getloadavg())}")
    finally:
        if args.keep:
            print(f"kept: {args.registryctl} health --json --workspace {root} --tmux-socket {socket}")
            print(f"tear down: tmux -S {socket} kill-server; rm -rf {directory}")
        else:
            tmux_server.kill_and_wait(socket)
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
