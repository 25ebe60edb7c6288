#!/usr/bin/env python3
"""Whole-process timings, side by side, on one generated workspace and one private tmux server.

    python3 bench/python/startup_compare.py --registryctl /tmp/aot/registryctl [--runs 11] [--orchestrator-runs 3] [--also /tmp/jit/registryctl]

Writes a workspace of --tasks task registries x 20 agents (1 live, 1 zombie, 18 completed each, plus
20 orphan sessions) with tools/RegistryController.Generate, whose private tmux server is reached
through TMUX_TMPDIR (the orchestrator's script and the one-liner run plain `tmux ls`; the user's
default server is never asked). Then, in rounds (each round runs every command once, in a rotating
order, so that the machine's load falls on all of them alike), it times each command as a whole
process: wall time, peak resident memory (GNU time's %M) and CPU time. Prints medians, min and
max, and the ratios to the I/O floor and to the Python one-liner. The orchestrator's
repair_registry.py is taken from the mirrored repository at benchmark time into the temporary
directory and deleted with it.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tmux_server

REPO = Path(__file__).resolve().parents[2]
ORCHESTRATOR_GIT = "/work/.mirror/Albaraazain+ClaudeOrchestratorMCP/repo"


def run_one(argv, env, scratch):
    """Runs argv to its end: (wall s, peak RSS MB, CPU s, stdout, exit code).

    Through GNU time, whose %M is the command's own peak RSS: ru_maxrss of a child forked from this
    (large) Python process would count this process's memory at the fork.
    """
    report = scratch / "time.out"
    start = time.perf_counter()
    process = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(report), *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    peak_kb = int(report.read_text().split()[-1])
    # wait4 of `time` counts the command it waited for (children's times are included).
    return wall, peak_kb / 1024.0, usage.ru_utime + usage.ru_stime, out.decode(errors="replace"), process.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--registryctl", required=True, help="the published (native AOT) registryctl")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--orchestrator-runs", type=int, default=3, help="runs of repair_registry.py (about 20 s each)")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--orchestrator-commit", default="52487f0")
    parser.add_argument("--also", help="another registryctl build (e.g. the JIT publish) timed beside the first")
    parser.add_argument("--tracked-files", action="store_true",
                        help="every agent with the tracked_files the orchestrator's deploy writes, as real registries have (35.6 MB of registries instead of the issue's 19.9 MB)")
    args = parser.parse_args()
    registryctl = str(Path(args.registryctl).resolve())

    work = Path(tempfile.mkdtemp(prefix="registryctl-compare-"))
    workspace = work / "workspace"
    socket = Path(str(workspace) + ".tmux") / "tmux.sock"
    try:
        subprocess.run(
            ["dotnet", "run", "-c", "Release", "--project", str(REPO / "tools/RegistryController.Generate"), "--",
             "--out", str(workspace), "--tasks", str(args.tasks), "--live", "1", "--zombie", "1", "--completed", "18",
             "--orphans", "20", "--keep-tmux", *(["--tracked-files"] if args.tracked_files else [])],
            check=True, stdout=subprocess.DEVNULL)
        # TMUX_TMPDIR/tmux-<uid>/default is where a plain `tmux ls` looks: point it at the private server.
        tmux_tmpdir = work / "tmux-tmpdir"
        (tmux_tmpdir / f"tmux-{os.getuid()}").mkdir(parents=True, mode=0o700)
        (tmux_tmpdir / f"tmux-{os.getuid()}" / "default").symlink_to(socket)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "REGISTRYCTL_", "CLAUDE_ORCHESTRATOR_", "OTEL_"))}
        env["TMUX_TMPDIR"] = str(tmux_tmpdir)

        script = work / "orchestrator" / "repair_registry.py"
        script.parent.mkdir()
        script.write_bytes(subprocess.run(["git", f"--git-dir={ORCHESTRATOR_GIT}", "show", f"{args.orchestrator_commit}:repair_registry.py"],
                                          check=True, capture_output=True).stdout)

        registries = sorted(str(p) for p in workspace.glob("TASK-*/AGENT_REGISTRY.json")) + [str(workspace / "registry/GLOBAL_REGISTRY.json")]
        size = sum(os.path.getsize(p) for p in registries)
        sessions = subprocess.run(["tmux", "-S", str(socket), "ls"], capture_output=True, text=True, env=env).stdout.count("\n")
        floor_script = work / "floor.sh"
        floor_script.write_text('tmux ls >/dev/null\nexec cat "$@" >/dev/null\n')
        commands = {
            "floor: tmux ls + cat every registry": (["sh", str(floor_script), *registries], args.runs),
            "python3 bench/python/count_zombies.py": (["python3", str(REPO / "bench/python/count_zombies.py"), str(workspace)], args.runs),
            "registryctl health --json": ([registryctl, "health", "--json", "--workspace", str(workspace), "--tmux-socket", str(socket)], args.runs),
            "registryctl --help": ([registryctl, "--help"], args.runs),
            **({} if not args.also else {
                "other build: health --json": ([str(Path(args.also).resolve()), "health", "--json", "--workspace", str(workspace), "--tmux-socket", str(socket)], args.runs),
                "other build: --help": ([str(Path(args.also).resolve()), "--help"], args.runs),
            }),
            "repair_registry.py --all --dry-run": (["python3", str(script), "--all", "--dry-run", "--workspace", str(workspace)], args.orchestrator_runs),
        }
        print(f"workspace: {len(registries)} registries ({size / 1e6:.1f} MB), {sessions} tmux sessions, {os.cpu_count()} cores, "
              f"load average {open('/proc/loadavg').read().split()[0]}, registryctl {registryctl}" + (f", other build {args.also}" if args.also else ""))
        # The answers, once, so that every timed command is known to do the whole job.
        zombies = run_one(commands["python3 bench/python/count_zombies.py"][0], env, work)[3].strip()
        health = run_one(commands["registryctl health --json"][0], env, work)
        reported = json.loads(health[3])["summary"]["zombies"]
        print(f"one-liner counts {zombies} zombies; registryctl health exits {health[4]} and reports {reported} zombies")

        results = {name: [] for name in commands}
        rounds = max(n for _, n in commands.values())
        for round_index in range(rounds):
            names = list(commands)
            names = names[round_index % len(names):] + names[:round_index % len(names)]
            for name in names:
                argv, runs = commands[name]
                if len(results[name]) < runs:
                    wall, rss, cpu, _, _ = run_one(argv, env, work)
                    results[name].append((wall, rss, cpu))

        floor = statistics.median(r[0] for r in results["floor: tmux ls + cat every registry"])
        python = statistics.median(r[0] for r in results["python3 bench/python/count_zombies.py"])
        print(f"\n{'command':40} {'n':>3} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>11} {'CPU s':>6} {'x floor':>8} {'x one-liner':>11}")
        for name, rows in results.items():
            if not rows:
                continue  # --orchestrator-runs 0: not timed this run
            walls = [r[0] for r in rows]
            median = statistics.median(walls)
            print(f"{name:40} {len(rows):>3} {median:>9.3f} {min(walls):>7.3f} {max(walls):>7.3f} "
                  f"{statistics.median(r[1] for r in rows):>11.1f} {statistics.median(r[2] for r in rows):>6.2f} "
                  f"{median / floor:>8.2f} {median / python:>11.2f}")
        print(f"load average at the end {open('/proc/loadavg').read().split()[0]}")
        return 0
    finally:
        tmux_server.kill_and_wait(socket)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
