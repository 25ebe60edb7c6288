#!/usr/bin/env python3
"""Trial of registryctl against the orchestrator's OWN 2026 code, as a new user would meet it.

    python3 bench/python/orchestrator_trial.py [--registryctl /tmp/aot-new/registryctl] [--commit d746b7e] [--keep]

Offline: the orchestrator (ClaudeOrchestratorMCP) is extracted from the local mirror at run time into
a temporary directory and deleted with it; nothing of it is kept in this repository. Around it the
script puts only stand-ins for what cannot run here:
- a `fastmcp` module (no PyPI): `FastMCP` whose `tool`/`resource` decorators return the function,
  version 3.0.0 and the `fastmcp.server.tasks.routing` module that the orchestrator's dependency
  guard asks for;
- a `claude` executable first on PATH that speaks stream-json: it reads the prompt on stdin, prints
  an init and an assistant line, then waits for an order in a control directory: `finish` (print a
  success `result` line and exit 0), `result-then-hang` (print it and keep running), or nothing
  (run until killed).
tmux is private: TMUX_TMPDIR points into the temporary directory for the orchestrator's plain `tmux`
calls, and registryctl gets the same server with --tmux-socket. The default tmux server is never
asked; the script kills only the server it started.

Every orchestrator call runs in its own python3 process that imports real_mcp_server and calls the
tool functions as the MCP client would (one MCP server lifetime per call, as when a user's Claude
Code session ends and a new one starts: the orchestrator's health daemon only watches tasks created
in its own process).

Scenario (task max_concurrent 3, through CLAUDE_ORCHESTRATOR_MAX_CONCURRENT):
  deploy finisher, crasher, silent; a fourth deploy is refused; the finisher reports completed
  through update_agent_progress and its claude prints its result and exits; `live` is deployed in the
  freed slot; the crasher's session is killed (no result); the silent one prints a success result
  but never reports, then its session is killed; the MCP server "restarts" (startup validation,
  global clean-up, health daemon) and a new deploy is still refused (3/3, two slots held by zombies).
  Then registryctl health, repair, and the orchestrator again (get_real_task_status, a new deploy,
  re-import through get_phase_status, a restart, trigger_health_scan); finally a whole tmux server
  death with `registryctl run` watching.

Prints PASS/FAIL per check and exits 1 when any check fails. A manual/bench script: not in .ci/run.
"""
import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORCHESTRATOR_GIT = "/work/.mirror/Albaraazain+ClaudeOrchestratorMCP/repo"
ACTIVE = ("running", "working", "blocked", "reviewing")

FASTMCP_STANDIN = '''"""Stand-in for fastmcp (not installable offline): tools stay plain functions."""
__version__ = "3.0.0"


class FastMCP:
    def __init__(self, name, *args, **kwargs):
        self.name = name

    def tool(self, fn=None, **kwargs):
        return fn if callable(fn) else (lambda f: f)

    def resource(self, *args, **kwargs):
        return lambda f: f

    def prompt(self, fn=None, **kwargs):
        return fn if callable(fn) else (lambda f: f)

    def run(self, *args, **kwargs):
        raise SystemExit("the trial calls tools directly; no transport")
'''

CLAUDE_STANDIN = r'''#!/usr/bin/env python3
"""Stand-in for `claude --print --output-format stream-json`: orders come from $TRIAL_CONTROL/<agent>.cmd."""
import json, os, re, sys, time, uuid
from datetime import datetime, timedelta
from pathlib import Path

prompt = sys.stdin.read()
agent = re.search(r"Agent ID: (\S+)", prompt).group(1)
control = Path(os.environ["TRIAL_CONTROL"])
(control / f"{agent}.pid").write_text(str(os.getpid()))
session = str(uuid.uuid4())
started = time.monotonic()


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


emit({"type": "system", "subtype": "init", "session_id": session, "model": sys.argv[sys.argv.index("--model") + 1]})
emit({"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "Working on it."}]}, "session_id": session})
order = control / f"{agent}.cmd"
while not order.exists():
    time.sleep(0.05)
command = order.read_text().strip()
if command in ("finish", "result-then-hang"):
    emit({"type": "result", "subtype": "success", "is_error": False, "duration_ms": int((time.monotonic() - started) * 1000),
          "num_turns": 3, "result": "Done: the work is finished.", "session_id": session})
if command == "finish":
    sys.exit(0)
while True:
    time.sleep(3600)
'''

DRIVER = r'''"""Runs orchestrator tools in one process (one MCP server lifetime): argv[1] = JSON [[tool, kwargs], ...], argv[2] = out file."""
import json, sys, threading, traceback
import real_mcp_server as s

results = []
for tool, kwargs in json.loads(sys.argv[1]):
    try:
        if tool == "startup":
            s.startup_registry_validation()
            s.startup_global_registry_cleanup()
            s.get_health_daemon(s.resolve_workspace_variables(s.WORKSPACE_BASE))
            value = "started"
        else:
            value = getattr(s, tool)(**kwargs)
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
    except BaseException as e:
        value = {"exception": repr(e), "traceback": traceback.format_exc()}
    results.append(value)
# update_agent_progress moves a finished agent's files to archive/ from a thread 2 s later; a real server
# lives on, so let that thread finish (the health daemon and review retries are left to die with us).
for thread in threading.enumerate():
    if "_cleanup_worker" in thread.name:
        thread.join(30)
with open(sys.argv[2], "w") as f:
    json.dump(results, f, default=str)
'''


class Trial:
    def __init__(self, args):
        self.args = args
        self.failures = 0
        self.checks = 0
        self.work = Path(tempfile.mkdtemp(prefix="registryctl-trial-"))
        self.src = self.work / "orchestrator"
        self.project = self.work / "project"
        self.workspace = self.project / ".agent-workspace"
        self.control = self.work / "control"
        self.tmux_tmpdir = self.work / "tmux"
        self.socket = self.tmux_tmpdir / f"tmux-{os.getuid()}" / "default"
        self.task_id = None
        self.agents = {}
        self.adopted = None

    # ---- set-up -------------------------------------------------------------------------------
    def setup(self):
        self.src.mkdir()
        archive = subprocess.run(["git", f"--git-dir={ORCHESTRATOR_GIT}", "archive", self.args.commit], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(self.src)], input=archive, check=True)
        stubs = self.work / "stubs" / "fastmcp"
        (stubs / "server" / "tasks").mkdir(parents=True)
        (stubs / "__init__.py").write_text(FASTMCP_STANDIN)
        for package in (stubs / "server", stubs / "server" / "tasks"):
            (package / "__init__.py").write_text("")
        (stubs / "server" / "tasks" / "routing.py").write_text('"""Present so that the dependency guard finds a 3.x layout."""\n')
        bin_dir = self.work / "bin"
        bin_dir.mkdir()
        (bin_dir / "claude").write_text(CLAUDE_STANDIN)
        (bin_dir / "claude").chmod(0o755)
        (self.work / "driver.py").write_text(DRIVER)
        for d in (self.project, self.control, self.tmux_tmpdir, self.work / "home"):
            d.mkdir(parents=True, exist_ok=True)
        self.tmux_tmpdir.chmod(0o700)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "REGISTRYCTL_", "CLAUDE_", "OTEL_"))}
        if self.args.server_workspace:
            env["CLAUDE_ORCHESTRATOR_WORKSPACE"] = str(self.workspace)
        env.update({
            "HOME": str(self.work / "home"),  # the orchestrator's global SQLite registry lives under ~/.claude-orchestrator
            "PATH": f"{bin_dir}:{env.get('PATH', '/usr/bin:/bin')}",
            "PYTHONPATH": f"{self.work / 'stubs'}:{self.src}",
            "TMUX_TMPDIR": str(self.tmux_tmpdir),
            "SHELL": self.args.shell,  # tmux runs the agent command with it; the command uses `set -o pipefail`
            # No CLAUDE_ORCHESTRATOR_WORKSPACE, as in the orchestrator's .mcp.json.example: the server's own
            # base is ~/.claude-orchestrator/workspaces and each task lives under the client's cwd.
            "CLAUDE_ORCHESTRATOR_MAX_CONCURRENT": "3",
            "TRIAL_CONTROL": str(self.control),
        })
        self.env = env

    def cleanup(self):
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], capture_output=True, env=self.env)
        if self.args.keep:
            print(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---- helpers ------------------------------------------------------------------------------
    def check(self, name, ok, detail=""):
        self.checks += 1
        if not ok:
            self.failures += 1
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"\n      {detail}" if detail and (not ok or self.args.verbose) else ""))
        return ok

    def orchestrator(self, *calls):
        out = self.work / "driver.out"
        process = subprocess.run([sys.executable, str(self.work / "driver.py"), json.dumps(calls), str(out)],
                                 cwd=self.project, env=self.env, capture_output=True, text=True, timeout=300)
        (self.work / "orchestrator.log").open("a").write(process.stderr)
        if process.returncode != 0 or not out.exists():
            raise RuntimeError(f"orchestrator driver failed ({process.returncode}): {process.stderr[-3000:]}")
        return json.loads(out.read_text())

    def registryctl(self, *argv, timeout=60):
        command = [*self.args.registryctl.split(), *argv, "--workspace", str(self.workspace), "--tmux-socket", str(self.socket)]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout)

    def tmux(self, *argv):
        return subprocess.run(["tmux", "-S", str(self.socket), *argv], env=self.env, capture_output=True, text=True)

    def session_alive(self, agent_id):
        return self.tmux("has-session", "-t", f"=agent_{agent_id}").returncode == 0

    def wait_for(self, what, predicate, deadline_s=30.0):
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {what}")

    def rows(self):
        db = self.workspace / "registry" / "state.sqlite3"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return {r[0]: {"status": r[1], "completed_at": r[2], "progress": r[3]}
                    for r in conn.execute("SELECT agent_id, status, completed_at, progress FROM agents WHERE task_id = ?", (self.task_id,))}

    def progress_lines(self, agent_id):
        for folder in ("progress", "archive"):
            path = self.workspace / self.task_id / folder / f"{agent_id}_progress.jsonl"
            if path.exists():
                return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return []

    def deploy(self, agent_type):
        return self.orchestrator(["deploy_sonnet_agent", {"task_id": self.task_id, "agent_type": agent_type, "prompt": f"Do the {agent_type} part."}])[0]

    def statuses(self):
        rows = self.rows()
        return {name: rows.get(agent_id, {}).get("status") for name, agent_id in self.agents.items()}

    def adopt_2025_task(self):
        """A task the 2025 orchestrator left in this workspace: its JSON registry lists one agent, `working`, whose
        session died before the upgrade. Written as the 2025 server wrote it (task registry, global entry, progress
        line); the 2026 server re-imports it on get_phase_status."""
        started = datetime.now() - timedelta(hours=2)
        task_id = started.strftime("TASK-%Y%m%d-%H%M%S-") + "0a2025aa"
        agent_id = started.strftime("investigator-%H%M%S-") + "a2025a"
        task_dir = self.workspace / task_id
        for sub in ("progress", "logs"):
            (task_dir / sub).mkdir(parents=True)
        stamp = started.isoformat()
        registry = {
            "task_id": task_id, "task_description": "A task from before the upgrade", "created_at": stamp,
            "workspace": str(task_dir), "workspace_base": str(self.workspace), "client_cwd": str(self.project),
            "status": "INITIALIZED", "priority": "P2",
            "agents": [{"id": agent_id, "type": "investigator", "tmux_session": f"agent_{agent_id}", "parent": "orchestrator", "depth": 1,
                        "status": "working", "started_at": stamp, "progress": 40, "last_update": stamp, "prompt": "Investigate."}],
            "agent_hierarchy": {"orchestrator": [agent_id]}, "max_agents": 45, "max_depth": 5, "max_concurrent": 20,
            "total_spawned": 1, "active_count": 1, "completed_count": 0,
        }
        (task_dir / "AGENT_REGISTRY.json").write_text(json.dumps(registry, indent=2))
        (task_dir / "progress" / f"{agent_id}_progress.jsonl").write_text(json.dumps(
            {"timestamp": stamp, "agent_id": agent_id, "status": "working", "message": "Reading the code", "progress": 40}) + "\n")
        global_path = self.workspace / "registry" / "GLOBAL_REGISTRY.json"
        global_registry = json.loads(global_path.read_text())
        global_registry["tasks"][task_id] = {"description": registry["task_description"], "created_at": stamp, "status": "INITIALIZED"}
        global_registry["agents"][agent_id] = {"task_id": task_id, "type": "investigator", "parent": "orchestrator", "started_at": stamp, "tmux_session": f"agent_{agent_id}"}
        global_path.write_text(json.dumps(global_registry, indent=2))
        return task_id, agent_id

    def adopted_status(self):
        db = self.workspace / "registry" / "state.sqlite3"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            row = conn.execute("SELECT status FROM agents WHERE agent_id = ?", (self.adopted[1],)).fetchone()
        return row[0] if row else None

    # ---- the scenario -------------------------------------------------------------------------
    def run(self):
        phases = json.dumps([{"name": "Build", "description": "Build it", "deliverables": ["code"], "success_criteria": ["tests pass"]},
                             {"name": "Verify", "description": "Check it"}])
        created = self.orchestrator(["create_real_task", {"description": "Trial task for registryctl", "priority": "P2",
                                                          "phases": phases, "client_cwd": str(self.project)}])[0]
        if not self.check("create_real_task succeeds", created.get("success") is True, json.dumps(created)[:800]):
            return
        self.task_id = created["task_id"]
        print(f"      task {self.task_id} in {self.workspace}")
        self.adopted = self.adopt_2025_task()

        for name in ("finisher", "crasher", "silent"):
            result = self.deploy(name)
            if not self.check(f"deploy {name} accepted", result.get("success") is True, json.dumps(result)[:800]):
                return
            self.agents[name] = result["agent_id"]
        refused = self.deploy("extra")
        self.check("a fourth deploy is refused while 3 of 3 run", refused.get("success") is False and "Too many active agents (3/3)" in str(refused.get("error")),
                   json.dumps(refused)[:400])

        # The finisher reports as an agent does, then its claude prints its result and exits.
        finisher = self.agents["finisher"]
        reports = self.orchestrator(
            ["update_agent_progress", {"task_id": self.task_id, "agent_id": finisher, "status": "working", "message": "Starting", "progress": 10}],
            ["update_agent_progress", {"task_id": self.task_id, "agent_id": finisher, "status": "completed", "message": "Built the code; tests pass", "progress": 100}])
        self.check("update_agent_progress(completed) succeeds", all(r.get("success") for r in reports), json.dumps(reports)[:600])
        (self.control / f"{finisher}.cmd").write_text("finish")
        self.wait_for("the finisher's session to close", lambda: not self.session_alive(finisher))
        self.check("the finisher is completed by the orchestrator itself", self.rows()[finisher]["status"] == "completed", str(self.rows()[finisher]))

        live = self.deploy("live")
        if not self.check("deploy live accepted in the freed slot", live.get("success") is True, json.dumps(live)[:800]):
            return
        self.agents["live"] = live["agent_id"]

        crasher, silent = self.agents["crasher"], self.agents["silent"]
        self.tmux("kill-session", "-t", f"=agent_{crasher}")
        (self.control / f"{silent}.cmd").write_text("result-then-hang")
        silent_log = self.workspace / self.task_id / "logs" / f"{silent}_stream.jsonl"
        self.wait_for("the silent agent's result line", lambda: silent_log.exists() and '"type": "result"' in silent_log.read_text())
        self.tmux("kill-session", "-t", f"=agent_{silent}")
        self.wait_for("both sessions to close", lambda: not self.session_alive(crasher) and not self.session_alive(silent))

        # A new MCP server lifetime: its start-up steps run, then the user asks for another agent.
        restart = self.orchestrator(["startup", {}], ["deploy_sonnet_agent", {"task_id": self.task_id, "agent_type": "extra", "prompt": "More."}],
                                    ["get_phase_status", {"task_id": self.adopted[0]}])
        self.check("the 2026 server re-imports the adopted 2025 task's agent as working", self.adopted_status() == "working", str(self.adopted_status()))
        if self.args.server_workspace:
            # The orchestrator's own start-up clean-up covers its WORKSPACE_BASE: it gets there first.
            after_restart = self.statuses()
            self.check("with CLAUDE_ORCHESTRATOR_WORKSPACE set, the orchestrator's start-up clean-up ends both zombies itself",
                       after_restart["crasher"] not in ACTIVE and after_restart["silent"] not in ACTIVE, str(after_restart))
            print(f"NOTE  the orchestrator recorded crasher={after_restart['crasher']} and silent={after_restart['silent']} "
                  f"(silent's stream log ends in a success result line)")
            health = self.registryctl("health", "--json", "--grace", self.args.grace)
            report = json.loads(health.stdout) if health.stdout.strip().startswith("{") else {}
            mine = [z["agent_id"] for r in report.get("registries", []) if r.get("task_id") == self.task_id for z in r.get("zombies", [])]
            self.check("registryctl health then finds no zombie in that task (it never second-guesses a terminal status)", mine == [], str(mine))
            return
        self.check("after a server restart a new deploy is still refused (3/3, two zombies)",
                   restart[1].get("success") is False and "Too many active agents (3/3)" in str(restart[1].get("error")), json.dumps(restart[1])[:400])
        before = self.statuses()
        self.check("the zombies still hold their slots before registryctl",
                   before == {"finisher": "completed", "crasher": "running", "silent": "running", "live": "running"}, str(before))

        # registryctl, as the user would run it.
        grace = ["--grace", self.args.grace]
        health = self.registryctl("health", *grace, "--no-color")
        print("      registryctl health:\n" + "\n".join("        " + line for line in health.stdout.splitlines()))
        health_json = self.registryctl("health", "--json", *grace)
        report = json.loads(health_json.stdout) if health_json.stdout.strip().startswith("{") else {}
        self.check("health exits 1 (discrepancies)", health.returncode == 1 and health_json.returncode == 1, f"{health.returncode} {health_json.returncode} {health.stderr[-500:]}")
        self.check("health names the layout sqlite-2026", report.get("layout") == "sqlite-2026" and "2026" in health.stdout, str(report.get("layout")))
        zombies = {z["agent_id"]: z for r in report.get("registries", []) if r.get("task_id") == self.task_id for z in r.get("zombies", [])}
        self.check("health sees exactly the two zombies", set(zombies) == {crasher, silent}, str(sorted(zombies)))
        adopted = [z for r in report.get("registries", []) if r.get("task_id") == self.adopted[0] for z in r.get("zombies", [])]
        self.check("health sees the adopted 2025 agent as a zombie", [z["agent_id"] for z in adopted] == [self.adopted[1]], json.dumps(adopted)[:600])
        self.check("health's outcomes: crasher terminated, silent completed from its result line",
                   zombies.get(crasher, {}).get("outcome") == "terminated" and zombies.get(silent, {}).get("outcome") == "completed"
                   and zombies.get(silent, {}).get("evidence", {}).get("kind") == "stream_result", json.dumps(zombies)[:800])
        self.check("health's text says each zombie's ending (silent: would be completed, crasher: would be terminated)",
                   any(f"zombie {silent}" in l and "would be completed" in l for l in health.stdout.splitlines())
                   and any(f"zombie {crasher}" in l and "would be terminated" in l for l in health.stdout.splitlines()),
                   "the zombie lines name no ending: a success and a crash read alike until repaired")
        self.check("health says the slots line (3 of 3 slots held, 2 by zombies)", "3 of 3 slots held, 2 by zombies" in health.stdout,
                   "text output lacks it")
        self.check("health reports no orphans (every agent_ session is named)", report.get("summary", {}).get("orphans") == 0, str(report.get("orphans")))
        self.check("health writes nothing", self.statuses() == before, str(self.statuses()))

        repair = self.registryctl("repair", "--json", *grace)
        repaired = json.loads(repair.stdout) if repair.stdout.strip().startswith("{") else {}
        self.check("repair exits 0", repair.returncode == 0, f"{repair.returncode} {repair.stderr[-800:]} {repair.stdout[-800:]}")
        after = self.statuses()
        self.check("after repair: crasher terminated, silent completed, finisher completed, live running",
                   after == {"finisher": "completed", "crasher": "terminated", "silent": "completed", "live": "running"}, str(after))
        rows = self.rows()
        self.check("repaired rows carry completed_at (naive local ISO) and progress 100 for completed",
                   all(rows[self.agents[n]]["completed_at"] and "+" not in rows[self.agents[n]]["completed_at"] for n in ("crasher", "silent"))
                   and rows[silent]["progress"] == 100, str({n: rows[self.agents[n]] for n in ("crasher", "silent")}))
        self.check("repair appends a terminal progress line for each repaired agent",
                   (self.progress_lines(crasher) or [{}])[-1].get("status") == "terminated" and (self.progress_lines(silent) or [{}])[-1].get("status") == "completed",
                   str({n: (self.progress_lines(self.agents[n]) or [None])[-1] for n in ("crasher", "silent")}))
        self.check("the live agent's session is untouched", self.session_alive(self.agents["live"]))
        self.check("repair ends the adopted 2025 agent terminated", self.adopted_status() == "terminated", str(self.adopted_status()))
        second = self.registryctl("health", "--json", *grace)
        self.check("a second health is clean (exit 0)", second.returncode == 0, second.stdout[-800:])

        # The orchestrator, after the repair.
        later = self.orchestrator(["get_real_task_status", {"task_id": self.task_id}],
                                  ["deploy_sonnet_agent", {"task_id": self.task_id, "agent_type": "extra", "prompt": "More."}],
                                  ["get_phase_status", {"task_id": self.task_id}],
                                  ["check_phase_progress", {"task_id": self.task_id}],
                                  ["get_phase_status", {"task_id": self.adopted[0]}])
        status = later[0]
        listed = status.get("agents", {}).get("agents_list", []) if isinstance(status, dict) and isinstance(status.get("agents"), dict) else []
        seen = {a.get("agent_id") or a.get("id"): a.get("status") for a in listed if isinstance(a, dict)}
        self.check("get_real_task_status succeeds and shows the repaired statuses",
                   isinstance(status, dict) and status.get("success") is not False
                   and all(seen.get(self.agents[n]) == s for n, s in after.items()), str(seen) if seen else json.dumps(status)[:1200])
        self.check("a new deploy is accepted after the repair", later[1].get("success") is True, json.dumps(later[1])[:600])
        if later[1].get("success"):
            self.agents["extra"] = later[1]["agent_id"]
        self.orchestrator(["startup", {}], ["trigger_health_scan", {}], ["get_health_status", {}])
        kept = self.statuses()
        self.check("re-import (get_phase_status), startup validation and the health daemon keep the repair",
                   {n: kept[n] for n in after} == after, str(kept))
        self.check("the re-import of the adopted 2025 task keeps it terminated", self.adopted_status() == "terminated", str(self.adopted_status()))
        self.check("the live agent is still running, its session alive", kept["live"] == "running" and self.session_alive(self.agents["live"]), str(kept))

        self.server_death()

    def server_death(self):
        """Whole tmux server death with `registryctl run` watching: every live agent ends terminated."""
        port = free_port()
        run_log = (self.work / "run.log").open("w")
        command = [*self.args.registryctl.split(), "run", "--workspace", str(self.workspace), "--tmux-socket", str(self.socket),
                   "--grace", self.args.grace, "--listen", f"127.0.0.1:{port}"]
        controller = subprocess.Popen(command, env=self.env, stdout=run_log, stderr=subprocess.STDOUT)
        try:
            self.wait_for("registryctl run to be ready", lambda: http_ok(port, "/readyz"), 60)
            alive = [n for n in ("live", "extra") if n in self.agents]
            steady = self.statuses()
            self.check("run leaves live agents alone", all(self.statuses()[n] == "running" for n in alive), str(steady))
            if "extra" in self.agents:
                # The user stops an agent while run watches: kill_real_agent kills the session, waits for its processes,
                # then writes terminated; run may see the dead session in that gap.
                killed = self.orchestrator(["kill_real_agent", {"task_id": self.task_id, "agent_id": self.agents["extra"], "reason": "Trial: user stops it"}])[0]
                self.check("kill_real_agent succeeds with run watching, and the agent ends terminated",
                           killed.get("success") is True and self.statuses()["extra"] == "terminated", json.dumps(killed)[:600] + " " + str(self.statuses()))
                raced = "Zombie agent " + self.agents["extra"] in (self.work / "run.log").read_text()
                print(f"NOTE  run {'also wrote' if raced else 'did not write'} the killed agent's ending (kill_real_agent's gap)")
                alive.remove("extra")
            self.tmux("kill-server")
            ended = lambda: all(self.statuses()[n] not in ACTIVE for n in alive)
            try:
                self.wait_for("run to repair the server death", ended, self.args.run_seconds)
            except RuntimeError:
                pass
            final = self.statuses()
            self.check("after a tmux server death, run marks every live agent terminated",
                       all(final[n] == "terminated" for n in alive), str(final) + "\n      run log tail:\n" + tail(self.work / "run.log"))
            self.check("run never changes the agents that had already ended",
                       {n: final[n] for n in ("finisher", "crasher", "silent")} == {"finisher": "completed", "crasher": "terminated", "silent": "completed"}, str(final))
        finally:
            controller.terminate()
            try:
                controller.wait(15)
            except subprocess.TimeoutExpired:
                controller.kill()
            run_log.close()
        self.check("registryctl run stops cleanly on SIGTERM", controller.returncode == 0, f"exit {controller.returncode}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
            return b" 200 " in s.recv(200)
    except OSError:
        return False


def tail(path, lines=15):
    return "\n".join("        " + line for line in path.read_text(errors="replace").splitlines()[-lines:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registryctl", default="/tmp/aot-new/registryctl",
                        help="the registryctl command (a published binary, or e.g. 'dotnet run --project src/Registryctl --')")
    parser.add_argument("--commit", default="d746b7e", help="the orchestrator commit to try (layout 2026)")
    parser.add_argument("--grace", default="5s", help="registryctl --grace (agents here are seconds old; the default is 30s)")
    parser.add_argument("--run-seconds", type=float, default=30.0, help="how long `run` may take to repair the server death")
    parser.add_argument("--server-workspace", action="store_true",
                        help="set CLAUDE_ORCHESTRATOR_WORKSPACE to the task's workspace: the orchestrator's own start-up clean-up then "
                             "reaches the zombies first; the trial checks that and stops")
    parser.add_argument("--shell", default="/bin/bash",
                        help="SHELL for tmux, which runs the agent command with it (under dash, `set -o pipefail` fails: every deploy fails)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    trial = Trial(args)
    try:
        trial.setup()
        trial.run()
    except Exception as e:  # a broken step is a failed trial, with the reason
        trial.check("the scenario runs to its end", False, repr(e))
    finally:
        trial.cleanup()
    print(f"\n{trial.checks - trial.failures} of {trial.checks} checks passed")
    return 1 if trial.failures else 0


if __name__ == "__main__":
    sys.exit(main())
