#!/usr/bin/env python3
"""SQLite concurrency torture: `registryctl run` beside the orchestrator's OWN 2026 writers, for a minute.

    python3 bench/python/sqlite_concurrency_torture.py [--seconds 60] [--simulators 4] [--registryctl /tmp/aot-new/registryctl] [--keep]

Offline, built on bench/python/orchestrator_trial.py (imported, not copied): the orchestrator (ClaudeOrchestratorMCP,
commit d746b7e) is extracted from the local mirror into a temporary directory, with the trial's stand-ins for
`fastmcp` and `claude`, and a private tmux server (TMUX_TMPDIR in that directory; the default server is never asked).

The layout is 2026 (`.agent-workspace/registry/state.sqlite3`, WAL). `registryctl run` watches it (Reconcile:Grace 3s)
while N python3 simulators (default 4) each run a random mix on their own agents, across tasks they made with the
orchestrator's create_real_task, calling the orchestrator's own code for every write:
  spawn      as deploy_claude_tmux_agent: check_can_spawn_agent, create_tmux_session `agent_<id>`, a pause, then
             deploy_agent_atomic (BEGIN IMMEDIATE) and transition_task_to_active;
  progress   record_progress (autocommit statements);
  status     update_agent_status to another active status (BEGIN IMMEDIATE);
  result     a result line in the agent's stream log while its session lives on (claude printed it, did not exit);
  complete   either update_agent_progress's writes (record_progress + update_agent_status `completed`) or the
             completion notifier's update_agent_completion, then the session is killed;
  terminate  kill_real_agent itself (kills the session, then writes `terminated`: run may see the gap);
  batch      kill 2-3 sessions, then mark_agents_as_failed_batch (the orchestrator's clean-up write);
  late       kill a session, then 50-500 ms later update_agent_status `failed`, as the orchestrator's health daemon
             does when it finds a dead session (run's ending, if first, is overwritten: the orchestrator's stands);
  crash      kill the session and tell nobody (sometimes after a success or error result line).
Once during the run (at --lock-at) a further writer takes the write lock with the orchestrator's connection and holds
it for 20 s (BEGIN IMMEDIATE, sleep, COMMIT): writes of both sides wait, and the orchestrator's fail after its 10 s.
Each simulator crashes one agent meanwhile; the crashes of even ones are handed to the holder, which writes them
`failed` (the clean-up's batch statement) just before its COMMIT: run judged them before that commit and its
compare-and-set must lose. The odd ones' crashes must be repaired as soon as the lock is released.

Each simulator logs what it committed; a sampler in this process reads every agent row every 50 ms throughout.
Invariants (PASS/FAIL each, exit 1 on any FAIL):
  - 0 lost orchestrator writes: the last status/progress committed for every agent it did not crash is the row's
    (and a crashed agent's progress is kept: run changes its status only, and progress to 100 if it completes it);
  - 0 live agents ever terminal: no sample, controller log line or audit line ends an agent before its session was
    killed or the orchestrator wrote its ending, and every never-killed agent's session still exists;
  - crashes repaired within 1 s p99: from the kill to the first sample that reads a terminal status (time the 20 s
    lock was held is not counted: nobody can write then); p50/p90/p99/max;
  - PRAGMA integrity_check ok;
and, as supporting checks: every spawned agent's row exists exactly once (and no other), crashed agents end as their
evidence says, each ending run wrote has its one progress line, the orchestrator's writes fail only while the 20 s
lock is held, and run exits 0 on SIGTERM.
The temporary directory is kept when a check fails (or with --keep). A manual/bench script: not in .ci/run.
"""
import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

# The trial's set-up (extraction, stand-ins, private tmux) and its small helpers; the tmux server tear-down.
# (No __pycache__ left beside them in the repository.)
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from orchestrator_trial import Trial, free_port, http_ok, tail  # noqa: E402
import tmux_server  # noqa: E402

TERMINAL = {"completed", "failed", "error", "terminated", "killed", "phase_completed"}
KINDS = ("investigator", "fixer", "tester", "builder", "reviewer", "documenter")
# The mix of a simulator's steps (relative weights); a step that has no agent to act on falls back to progress.
WEIGHTS = {"spawn": 14, "progress": 40, "status": 10, "result": 3, "complete": 9, "terminate": 5, "batch": 5, "late": 5, "crash": 12}


# =====================================================================================================================
# The simulated orchestrator (runs in its own python3 process: --role simulator)
# =====================================================================================================================
class Simulator:
    """One orchestrator process acting on its own agents. Every DB write goes through the orchestrator's functions."""

    def __init__(self, cfg):
        import real_mcp_server as server  # the orchestrator's MCP tools (kill_real_agent, create_real_task, tmux helpers)
        from orchestrator import completion_notifier, state_db
        self.server, self.db, self.notifier = server, state_db, completion_notifier
        self.cfg = cfg
        self.rng = random.Random(cfg["seed"])
        self.base = cfg["workspace"]
        self.tasks = {task: True for task in cfg["tasks"]}  # task id -> may still take agents
        self.agents = {}  # agent id -> what the checker needs (see spawn)
        self.writes = []  # every orchestrator write call: op, start, end, ok
        self.anomalies = []  # what the simulator saw that should never be
        self.seq = 0
        self.crashed_under_lock = False

    # ---- bookkeeping ------------------------------------------------------------------------------------------------
    def write(self, op, agent_id, call, kind="db", judged=True):
        """Runs one orchestrator write and records whether it committed: no exception and, when `judged`, no False or
        failure result (transition_task_to_active's False only says the task was active already)."""
        start = time.time()
        try:
            result = call()
            ok = not judged or (result is not False and not (isinstance(result, dict) and result.get("success") is False))
            error = None if ok else str(result)[:300]
        except Exception as e:  # the orchestrator's writers raise `database is locked` after their 10 s busy timeout
            ok, error = False, repr(e)[:300]
        self.writes.append({"op": op, "agent": agent_id, "kind": kind, "start": start, "end": time.time(), "ok": ok, "error": error})
        return ok

    def row(self, agent):
        """The agent's row as the orchestrator reads it (get_agent); a read never waits for the write lock (WAL)."""
        return self.db.get_agent(workspace_base=self.base, task_id=agent["task_id"], agent_id=agent["id"]) or {}

    def read_back(self, agent):
        """After a write that failed, what committed is unknown (the orchestrator's autocommit statements commit one by
        one): the row says. A live agent is never terminal, so a terminal status read here is an anomaly."""
        row = self.row(agent)
        if row.get("status") in TERMINAL and agent["fate"] == "live":
            self.anomalies.append(f"{agent['id']}: read {row.get('status')} while its session lives (after a failed write)")
        agent["status"], agent["progress"] = row.get("status"), row.get("progress")

    def task_dir(self, agent):
        return os.path.join(self.base, agent["task_id"])

    def stream_log(self, agent, *entries):
        """Appends lines to logs/<id>_stream.jsonl as claude's stdout through `tee` would."""
        path = os.path.join(self.task_dir(agent), "logs", f"{agent['id']}_stream.jsonl")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            for entry in entries:
                f.write(json.dumps(entry) + "\n")

    def kill(self, agent):
        """Kills the agent's session with the orchestrator's own helper; the time is taken first (no sample before it
        may read a terminal status)."""
        agent["kill_at"] = agent["kill_at"] or time.time()
        if not self.server.kill_tmux_session(agent["session"]):
            self.anomalies.append(f"{agent['id']}: kill-session failed")

    def live(self, min_age=0.0):
        now = time.time()
        return [a for a in self.agents.values() if a["fate"] == "live" and now - a["row_at"] >= min_age]

    # ---- the steps --------------------------------------------------------------------------------------------------
    def pick_task(self):
        open_tasks = [t for t, room in self.tasks.items() if room]
        if open_tasks:
            return self.rng.choice(open_tasks)
        made = self.server.create_real_task(description=f"Torture task of simulator {self.cfg['index']}", priority="P2",
                                            phases=json.dumps([{"name": "Build", "description": "Build it"}]),
                                            client_cwd=self.cfg["project"])
        if isinstance(made, dict) and made.get("success"):
            self.tasks[made["task_id"]] = True
            return made["task_id"]
        return None

    def spawn(self):
        task_id = self.pick_task()
        if not task_id:
            return
        self.seq += 1
        agent_type = f"{self.rng.choice(KINDS)}{self.cfg['index']}x{self.seq}"  # unique: deploy refuses a second active agent of one type
        config = self.db.get_task_config(workspace_base=self.base, task_id=task_id)
        can, error, _ = self.db.check_can_spawn_agent(workspace_base=self.base, task_id=task_id, agent_type=agent_type,
                                                      max_concurrent=config.get("max_concurrent", 20), max_agents=config.get("max_agents", 50))
        if not can:
            if "Max agents" in (error or ""):
                self.tasks[task_id] = False  # full for good: the next spawn goes to another task (or a new one)
            return
        agent_id = f"{agent_type[:20]}-{datetime.now().strftime('%H%M%S')}-{uuid.uuid4().hex[:6]}"
        agent = {"id": agent_id, "task_id": task_id, "session": f"agent_{agent_id}", "fate": "live", "via": None,
                 "status": None, "progress": None, "row_at": None, "kill_at": None, "terminal_write_at": None,
                 "stream": "none", "jsonl_terminal": None, "expected_endings": None}
        self.stream_log(agent, {"type": "system", "subtype": "init", "session_id": str(uuid.uuid4()), "model": "claude-sonnet"},
                        {"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "Working on it."}]}})
        created = self.server.create_tmux_session(session_name=agent["session"], command="sleep 86400", working_dir=self.cfg["project"])
        if not created.get("success"):
            self.anomalies.append(f"{agent_id}: create_tmux_session failed: {created.get('error')}")
            return
        time.sleep(self.cfg["spawn_gap"])  # deploy gives claude 2 s before it writes the row; run sees the session first
        ok = self.write("deploy_agent_atomic", agent_id, lambda: self.db.deploy_agent_atomic(
            workspace_base=self.base, task_id=task_id, agent_id=agent_id, agent_type=agent_type, model="claude-sonnet",
            parent="orchestrator", depth=1, phase_index=0, tmux_session=agent["session"], prompt_preview=f"Do the {agent_type} part."))
        self.agents[agent_id] = agent
        if not ok:  # deploy kills the session it made when the insert fails; no row may exist
            agent["fate"] = "spawn_failed"
            self.kill(agent)
            return
        agent.update(status="running", progress=0, row_at=time.time())
        try:
            if self.db.get_active_agent_count(workspace_base=self.base, task_id=task_id) == 1:
                self.write("transition_task_to_active", agent_id, lambda: self.db.transition_task_to_active(workspace_base=self.base, task_id=task_id),
                           judged=False)
        except Exception:
            pass  # deploy logs and ignores this too

    def progress(self, agent):
        status = self.rng.choice(("working", "working", "working", "blocked"))
        progress = min(99, (agent["progress"] or 0) + self.rng.randint(1, 9))
        ok = self.write("record_progress", agent["id"], lambda: self.db.record_progress(
            workspace_base=self.base, task_id=agent["task_id"], agent_id=agent["id"], timestamp=datetime.now().isoformat(),
            status=status, message=f"step {progress}", progress=progress))
        if ok:
            agent["status"], agent["progress"] = status, progress
        else:
            self.read_back(agent)

    def status(self, agent):
        new = self.rng.choice([s for s in ("running", "working", "blocked", "reviewing") if s != agent["status"]])
        ok = self.write("update_agent_status", agent["id"], lambda: self.db.update_agent_status(
            workspace_base=self.base, task_id=agent["task_id"], agent_id=agent["id"], new_status=new))
        if ok:
            agent["status"] = new  # progress unchanged: update_agent_status keeps it for active statuses
        else:
            self.read_back(agent)

    def result(self, agent):
        """Claude printed its result but has not exited (or hangs): a live session with a result line, to be left alone."""
        agent["stream"] = self.result_line(agent, error=self.rng.random() < 0.3)

    def result_line(self, agent, error):
        self.stream_log(agent, {"type": "result", "subtype": "error_max_turns" if error else "success", "is_error": error,
                                "duration_ms": 1000, "num_turns": 3, "result": "Stopped." if error else "Done.", "session_id": "x"})
        return "error" if error else "success"

    def complete(self, agent):
        """The orchestrator ends the agent `completed` first, then its session goes."""
        agent["terminal_write_at"] = time.time()
        if self.rng.random() < 0.5:
            # update_agent_progress(status="completed"): record_progress, then update_agent_status on a status change.
            via = "update_agent_progress"
            self.write("record_progress", agent["id"], lambda: self.db.record_progress(
                workspace_base=self.base, task_id=agent["task_id"], agent_id=agent["id"], timestamp=datetime.now().isoformat(),
                status="completed", message="Done; tests pass", progress=100))
            self.write("update_agent_status", agent["id"], lambda: self.db.update_agent_status(
                workspace_base=self.base, task_id=agent["task_id"], agent_id=agent["id"], new_status="completed"))
        else:
            # claude printed a success result and exited; the notifier in the session's command chain writes.
            via = "completion_notifier"
            agent["stream"] = self.result_line(agent, error=False)
            log = os.path.join(self.task_dir(agent), "logs", f"{agent['id']}_stream.jsonl")
            self.write("update_agent_completion", agent["id"], lambda: self.notifier.update_agent_completion(
                agent["task_id"], agent["id"], self.task_dir(agent), log, 0) and self.row(agent).get("status") == "completed", kind="tool")
        row = self.row(agent)
        if row.get("status") != "completed":  # not committed (the lock was held): the agent lives on, unended
            agent["terminal_write_at"] = None
            agent["status"], agent["progress"] = row.get("status"), row.get("progress")
            return
        agent.update(fate="completed", via=via, status="completed", progress=100)
        self.kill(agent)

    def terminate(self, agent):
        """kill_real_agent: kills the session, waits for its processes (0.5 s or more), then writes `terminated`."""
        progress = agent["progress"]
        agent["kill_at"] = time.time()
        self.write("kill_real_agent", agent["id"], lambda: self.server.kill_real_agent(agent["task_id"], agent["id"], "Torture: user stops it")
                   and self.row(agent).get("status") == "terminated", kind="tool")
        agent["jsonl_terminal"] = "terminated"  # its progress line comes before its database writes
        if self.server.check_tmux_session_exists(agent["session"]):
            self.anomalies.append(f"{agent['id']}: kill_real_agent left its session")
        if self.row(agent).get("status") == "terminated":
            agent.update(fate="terminated", via="kill_real_agent", status="terminated", progress=progress)
        else:  # its writes failed (the lock was held): a dead session nobody recorded, for run to end
            agent.update(fate="crashed", via="kill_real_agent failed", expected_endings=self.endings_from_evidence(agent))

    def batch(self, agents):
        """The orchestrator's clean-up for dead sessions: one UPDATE ... status='failed' for all (progress untouched)."""
        for agent in agents:
            self.kill(agent)
        ids = [a["id"] for a in agents]
        self.write("mark_agents_as_failed_batch", ",".join(ids), lambda: self.db.mark_agents_as_failed_batch(
            workspace_base=self.base, agent_ids=ids, reason="Torture: sessions gone") == len(ids))
        for agent in agents:
            if self.row(agent).get("status") == "failed":
                agent.update(fate="failed_batch", via="mark_agents_as_failed_batch", status="failed")
            else:
                agent.update(fate="crashed", via="batch failed", expected_endings=self.endings_from_evidence(agent))

    def late(self, agent):
        """The orchestrator learns of a dead session late: its health daemon's _mark_agents_failed writes `failed` with
        update_agent_status (unconditional). Timed about when run reacts, so that some land between run's read and its
        compare-and-set (run's write must then lose), others after run's ending (which the orchestrator then overwrites)."""
        self.kill(agent)
        time.sleep(self.rng.uniform(0.05, 0.5))
        ok = self.write("update_agent_status", agent["id"], lambda: self.db.update_agent_status(
            workspace_base=self.base, task_id=agent["task_id"], agent_id=agent["id"], new_status="failed"))
        if ok:
            agent.update(fate="failed_late", via="health daemon", status="failed")  # progress kept
        else:
            agent.update(fate="crashed", via="late write failed", expected_endings=self.endings_from_evidence(agent))

    def crash(self, agent):
        """The session dies and nobody is told; sometimes claude printed a result first (run then ends it from that)."""
        roll = self.rng.random()
        if roll < 0.35:
            agent["stream"] = self.result_line(agent, error=False)
        elif roll < 0.5:
            agent["stream"] = self.result_line(agent, error=True)
        agent.update(fate="crashed", via="crash", expected_endings=self.endings_from_evidence(agent))
        self.kill(agent)

    @staticmethod
    def endings_from_evidence(agent):
        """The endings run may write, by its README: the agent's last terminal progress line, else its stream log's result,
        else terminated. kill_real_agent appends its progress line only after its clean-up (0.5 s or more after the kill):
        run deciding before it goes by the stream log, after it by the line; either is right."""
        endings = [{"success": "completed", "error": "failed"}.get(agent["stream"], "terminated")]
        if agent["jsonl_terminal"] and agent["jsonl_terminal"] not in endings:
            endings.append(agent["jsonl_terminal"])
        return endings

    # ---- the loop ---------------------------------------------------------------------------------------------------
    def step(self):
        live = self.live()
        if len(live) < self.cfg["min_live"]:
            return self.spawn()
        if not self.crashed_under_lock and os.path.exists(self.cfg["lock_marker"]):
            # One crash per simulator while the 20 s writer holds the lock (the other steps mostly wait for it then): run
            # judges it and waits for the lock. Even simulators hand theirs to the lock holder, which writes it `failed`
            # in its held transaction: run's compare-and-set, judged before that commit, must then lose. Odd ones tell
            # nobody: run must repair them as soon as the lock is released. One each, far below the mass guard's share.
            old = self.live(self.cfg["crash_min_age"])
            if old:
                self.crashed_under_lock = True
                agent = self.rng.choice(old)
                self.crash(agent)
                if self.cfg["index"] % 2 == 0:
                    Path(self.cfg["handoff"], agent["id"]).touch()
                return
        op = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        # Endings keep the pool above min_live, so that no reconcile pass ends more than a few agents at once (the mass
        # guard holds a pass that would end more than half, and at least 5).
        spare = len(live) > self.cfg["min_live"]
        if op == "spawn" and len(live) < self.cfg["max_live"]:
            return self.spawn()
        if op == "crash" and spare:
            old = self.live(self.cfg["crash_min_age"])  # younger agents are in run's grace: not zombies yet
            if old:
                return self.crash(self.rng.choice(old))
        # batch and late act on agents without a result line: run would end them terminated, their progress kept.
        quiet = [a for a in live if a["stream"] == "none"]
        if op == "batch" and len(live) > self.cfg["min_live"] + 2 and len(quiet) >= 2:
            return self.batch(self.rng.sample(quiet, min(len(quiet), self.rng.choice((2, 3)))))
        if op == "late" and spare and quiet:
            return self.late(self.rng.choice(quiet))
        if op in ("complete", "terminate") and spare:
            return getattr(self, op)(self.rng.choice(live))
        if op in ("status", "result"):
            return getattr(self, op)(self.rng.choice(live))
        return self.progress(self.rng.choice(live)) if live else self.spawn()

    def run(self):
        deadline = time.time() + self.cfg["seconds"]
        while time.time() < deadline:
            self.step()
            time.sleep(self.rng.uniform(0.5, 1.5) * self.cfg["pace"])
        with open(self.cfg["out"], "w") as f:
            json.dump({"agents": self.agents, "writes": self.writes, "anomalies": self.anomalies, "tasks": list(self.tasks)}, f)


def hold_write_lock(cfg):
    """--role lock-holder: the orchestrator's connection takes the write lock and keeps it (BEGIN IMMEDIATE, sleep, COMMIT).
    Before its COMMIT it also ends, `failed`, the dead sessions handed to it meanwhile, with the statement of the
    orchestrator's clean-up (mark_agents_as_failed_batch's UPDATE; that function opens its own connection, which would
    wait for this very lock): a status written after run judged those agents and before it can write."""
    from orchestrator import state_db
    conn = state_db._connect(state_db.ensure_db(cfg["workspace"]))
    asked = time.time()
    conn.execute("BEGIN IMMEDIATE")
    acquired = time.time()
    conn.execute("UPDATE tasks SET updated_at=? WHERE task_id=?", (datetime.now().isoformat(), cfg["task"]))
    Path(cfg["marker"]).touch()  # tells the simulators the lock is held (see Simulator.step)
    time.sleep(cfg["hold"])
    handed = sorted(os.listdir(cfg["handoff"]))
    now = datetime.now().isoformat()
    marked = [agent_id for agent_id in handed if conn.execute(
        "UPDATE agents SET status = 'failed', completed_at = ?, last_update = ? WHERE agent_id = ? "
        "AND status IN ('running', 'working', 'blocked', 'reviewing')", (now, now, agent_id)).rowcount == 1]
    conn.execute("COMMIT")
    released = time.time()
    Path(cfg["marker"]).unlink()
    conn.close()
    with open(cfg["out"], "w") as f:
        json.dump({"asked": asked, "acquired": acquired, "released": released, "marked": marked}, f)


# =====================================================================================================================
# The sampler (a thread of the main process)
# =====================================================================================================================
class Sampler(threading.Thread):
    """Reads every agent row every `interval` seconds, as a dashboard would, and keeps each agent's first terminal
    sighting and its timeline. A sighting is stamped with the time its read returned: the read's snapshot is no later."""

    def __init__(self, database, interval):
        super().__init__(daemon=True)
        self.database, self.interval = database, interval
        self.first_terminal = {}
        self.timeline = defaultdict(list)
        self.samples, self.max_gap, self.errors = 0, 0.0, []
        self.halt = threading.Event()

    def run(self):
        conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10)
        last, previous_end = {}, None
        while not self.halt.is_set():
            start = time.time()
            try:
                rows = conn.execute("SELECT agent_id, status, progress FROM agents").fetchall()
            except sqlite3.Error as e:
                self.errors.append(repr(e))
                rows = None
            end = time.time()
            if rows is not None:
                self.samples += 1
                self.max_gap = max(self.max_gap, end - previous_end) if previous_end else 0.0
                previous_end = end
                for agent_id, status, progress in rows:
                    if last.get(agent_id) != (status, progress):
                        last[agent_id] = (status, progress)
                        self.timeline[agent_id].append((round(end, 3), status, progress))
                    if status in TERMINAL and agent_id not in self.first_terminal:
                        self.first_terminal[agent_id] = end
            self.halt.wait(max(0.0, self.interval - (time.time() - start)))
        conn.close()


# =====================================================================================================================
# The run and the checks (the main process)
# =====================================================================================================================
class Torture:
    def __init__(self, args):
        self.args = args
        self.trial = Trial(argparse.Namespace(commit=args.commit, server_workspace=False, shell=args.shell, keep=True,
                                              verbose=False, registryctl=args.registryctl))
        self.results = []
        self.controller = None
        self.sampler = None
        self.hold = None
        self.children = []  # the simulators and the lock holder: stopped at clean-up if a failure left them running

    @property
    def work(self):
        return self.trial.work

    @property
    def database(self):
        return self.trial.workspace / "registry" / "state.sqlite3"

    def check(self, name, ok, detail=""):
        self.results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"\n      {detail}" if detail and (not ok or self.args.verbose) else ""))

    # ---- set-up -----------------------------------------------------------------------------------------------------
    def setup(self):
        self.trial.setup()
        env = self.trial.env
        env["CLAUDE_ORCHESTRATOR_MAX_CONCURRENT"] = "20"  # the orchestrator's default (the trial's 3 is for its slot checks)
        if self.args.tz:
            env["TZ"] = self.args.tz  # the orchestrator writes naive local times; run reads them in this zone too
        phases = json.dumps([{"name": "Build", "description": "Build it"}])
        made = self.trial.orchestrator(*[["create_real_task", {"description": f"Torture task {i}", "priority": "P2", "phases": phases,
                                                               "client_cwd": str(self.trial.project)}] for i in range(2 * self.args.simulators)])
        self.tasks = [m["task_id"] for m in made if isinstance(m, dict) and m.get("success")]
        if len(self.tasks) != 2 * self.args.simulators:
            raise RuntimeError(f"create_real_task failed: {json.dumps(made)[:800]}")
        # A session that is no agent keeps the private server up when no agent session is left (and is no orphan: not agent_).
        subprocess.run(["tmux", "new-session", "-d", "-s", "torture-keeper", "sleep 86400"], env=env, check=True)

    def start_controller(self):
        port = free_port()
        self.run_log = self.work / "run.log"
        command = [*self.args.registryctl.split(), "run", "--workspace", str(self.trial.workspace), "--tmux-socket", str(self.trial.socket),
                   "--listen", f"127.0.0.1:{port}", "--log-format", "json"]
        env = dict(self.trial.env, REGISTRYCTL_Reconcile__Grace=self.args.grace)  # a new agent's row comes after its session
        self.controller = subprocess.Popen(command, env=env, stdout=self.run_log.open("w"), stderr=subprocess.STDOUT)
        self.trial.wait_for("registryctl run to be ready", lambda: http_ok(port, "/readyz") or self.controller.poll() is not None, 60)
        if self.controller.poll() is not None:
            raise RuntimeError(f"registryctl run exited {self.controller.returncode}:\n{tail(self.run_log)}")

    def spawn_role(self, role, cfg, name):
        path = self.work / f"{name}.json"
        path.write_text(json.dumps(cfg))
        log = (self.work / f"{name}.log").open("w")
        self.children.append(subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--role", role, "--config", str(path)],
                                              cwd=self.trial.project, env=self.trial.env, stdout=log, stderr=subprocess.STDOUT))
        return self.children[-1]

    # ---- the run ----------------------------------------------------------------------------------------------------
    def run(self):
        a = self.args
        self.setup()
        self.start_controller()
        self.sampler = Sampler(self.database, a.sample_ms / 1000)
        self.sampler.start()
        (self.work / "handoff").mkdir()
        began = time.time()
        sims = []
        for i in range(a.simulators):
            cfg = {"index": i, "seed": a.seed * 100 + i, "seconds": a.seconds, "workspace": str(self.trial.workspace),
                   "project": str(self.trial.project), "tasks": self.tasks[2 * i:2 * i + 2], "out": str(self.work / f"sim{i}.out.json"),
                   "min_live": a.min_live, "max_live": a.max_live, "crash_min_age": a.crash_min_age, "spawn_gap": a.spawn_gap, "pace": a.pace_ms / 1000,
                   "lock_marker": str(self.work / "lock.held"), "handoff": str(self.work / "handoff")}
            sims.append(self.spawn_role("simulator", cfg, f"sim{i}"))
        holder = None
        while any(p.poll() is None for p in sims) or (holder and holder.poll() is None):
            if holder is None and a.lock_seconds > 0 and time.time() - began >= a.lock_at:
                holder = self.spawn_role("lock-holder", {"workspace": str(self.trial.workspace), "task": self.tasks[0], "hold": a.lock_seconds,
                                                         "out": str(self.work / "lock.out.json"), "marker": str(self.work / "lock.held"),
                                                         "handoff": str(self.work / "handoff")}, "lock")
            if time.time() - began > a.seconds + a.lock_seconds + 120:
                raise RuntimeError("the simulators ran far past their time")
            time.sleep(0.1)
        for i, p in enumerate(sims):
            if p.returncode != 0:
                raise RuntimeError(f"simulator {i} exited {p.returncode}:\n{tail(self.work / f'sim{i}.log', 30)}")
        if holder is not None:
            if holder.returncode != 0:
                raise RuntimeError(f"the lock holder exited {holder.returncode}:\n{tail(self.work / 'lock.log')}")
            self.hold = json.loads((self.work / "lock.out.json").read_text())
        self.ran = time.time() - began
        self.load_simulators()
        self.settle()
        self.stop_controller()

    def load_simulators(self):
        self.agents, self.writes, self.anomalies = {}, [], []
        for i in range(self.args.simulators):
            out = json.loads((self.work / f"sim{i}.out.json").read_text())
            self.agents.update(out["agents"])
            self.writes += out["writes"]
            self.anomalies += out["anomalies"]
        # The crashes the lock holder ended in its transaction were told after all: `failed`, their progress kept.
        for agent_id in (self.hold or {}).get("marked", []):
            self.agents[agent_id].update(fate="failed_in_hold", via="the held transaction", status="failed", expected_endings=None)

    def settle(self):
        """Up to --settle seconds for the last crashes to be repaired, then a quiet while in which live agents must stay live."""
        crashed = [i for i, a in self.agents.items() if a["fate"] == "crashed"]
        deadline = time.time() + self.args.settle
        while time.time() < deadline and not all(i in self.sampler.first_terminal for i in crashed):
            time.sleep(0.1)
        time.sleep(self.args.quiet)
        # Before the server goes: every agent the orchestrator never ended still has its session (run kills none).
        listed = subprocess.run(["tmux", "-S", str(self.trial.socket), "list-sessions", "-F", "#{session_name}"],
                                env=self.trial.env, capture_output=True, text=True).stdout.split()
        self.sessions_at_end = set(listed)

    def stop_controller(self):
        self.controller.send_signal(signal.SIGTERM)
        try:
            self.controller.wait(20)
        except subprocess.TimeoutExpired:
            self.controller.kill()
            self.controller.wait()
        self.sampler.halt.set()
        self.sampler.join(5)

    def cleanup(self, keep):
        for process in [*self.children, self.controller]:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        if self.sampler is not None:
            self.sampler.halt.set()
        self.trial.args.keep = keep
        if not hasattr(self.trial, "env"):  # the set-up failed before any tmux server or environment
            self.trial.env = None
        tmux_server.kill_and_wait(self.trial.socket, self.trial.env, 60)
        self.trial.cleanup()

    # ---- reading the results ----------------------------------------------------------------------------------------
    def final_rows(self):
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10) as conn:
            rows = conn.execute("SELECT a.agent_id, a.task_id, a.status, a.progress, l.message FROM agents a "
                                "LEFT JOIN agent_progress_latest l ON l.task_id = a.task_id AND l.agent_id = a.agent_id").fetchall()
            counts = dict(conn.execute("SELECT agent_id, COUNT(*) FROM agents GROUP BY agent_id").fetchall())
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        return {r[0]: {"task_id": r[1], "status": r[2], "progress": r[3], "latest_message": r[4]} for r in rows}, counts, integrity

    def controller_log(self):
        """run's JSON log records: zombie endings (agent, time, old/new status, evidence), superseded CAS, levels."""
        ended, superseded, levels, guard, errors = defaultdict(list), Counter(), Counter(), [], []
        for line in self.run_log.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            levels[record.get("LogLevel")] += 1
            if record.get("LogLevel") in ("Error", "Critical"):
                errors.append(f"{record.get('Timestamp')} {record.get('Message', '')[:240]}")
            state, message = record.get("State") or {}, record.get("Message", "")
            when = datetime.fromisoformat(record["Timestamp"]).timestamp() if record.get("Timestamp") else None
            if message.startswith("Zombie agent"):
                ended[state.get("AgentId")].append({"at": when, "old": state.get("OldStatus"), "new": state.get("NewStatus"), "evidence": state.get("Evidence")})
            elif "compare-and-set superseded" in message:
                superseded[state.get("AgentId")] += 1
            elif "Mass-termination guard" in message:
                guard.append(message)
        return ended, superseded, levels, guard, errors

    def audit_lines(self, agent_id, task_id):
        """The terminal progress lines run appended for an agent (reconciled_by), wherever the clean-up left the file."""
        lines = []
        for folder in ("progress", "archive"):
            path = self.trial.workspace / task_id / folder / f"{agent_id}_progress.jsonl"
            if path.exists():
                for line in path.read_text(errors="replace").splitlines():
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if entry.get("reconciled_by"):
                        lines.append(entry)
        return lines

    def in_hold(self, start, end):
        """Whether [start, end] overlaps the time the 20 s writer held the lock."""
        return bool(self.hold) and start <= self.hold["released"] and end >= self.hold["acquired"]

    def hold_overlap(self, start, end):
        if not self.hold:
            return 0.0
        return max(0.0, min(end, self.hold["released"]) - max(start, self.hold["acquired"]))

    # ---- the checks -------------------------------------------------------------------------------------------------
    def report(self):
        self.rows, counts, integrity = self.final_rows()
        self.ended, superseded, levels, guard, errors = self.controller_log()
        self.spawned = {i: x for i, x in self.agents.items() if x["fate"] != "spawn_failed"}
        # Until its session is killed or the orchestrator writes its ending, an agent is live: never terminal.
        self.protected = {i: min([t for t in (x["kill_at"], x["terminal_write_at"]) if t] or [float("inf")]) for i, x in self.spawned.items()}
        self.print_summary(superseded, levels, guard, errors)
        self.check_lost_writes()
        self.check_live_never_terminal()
        self.check_crash_latency()
        self.check("PRAGMA integrity_check ok", integrity == ["ok"], str(integrity[:5]))
        self.check_rows(counts)
        self.check_crash_endings()
        self.check_audit_lines()
        self.check_refused_writes()
        self.check("registryctl run stops cleanly on SIGTERM", self.controller.returncode == 0, f"exit {self.controller.returncode}\n{tail(self.run_log)}")
        # Evidence for a failure: the sampled timelines, beside the simulators' logs and run.log.
        (self.work / "timelines.json").write_text(json.dumps(self.sampler.timeline))

    def print_summary(self, superseded, levels, guard, errors):
        a = self.args
        fates = Counter(x["fate"] for x in self.agents.values())
        vias = Counter(x["via"] for x in self.agents.values() if x["fate"] in ("completed", "crashed"))
        print(f"\nran {self.ran:.1f} s: {a.simulators} simulators x {a.seconds:.0f} s, registryctl {a.registryctl}, grace {a.grace}, work dir {self.work}")
        print(f"agents: {len(self.spawned)} spawned ({fates['spawn_failed']} spawns failed, no row); at the end {fates['live']} live, "
              f"{fates['completed']} completed ({vias['update_agent_progress']} update_agent_progress, {vias['completion_notifier']} notifier), "
              f"{fates['terminated']} terminated (kill_real_agent), {fates['failed_batch']} failed (batch), {fates['failed_late']} failed (late, "
              f"health daemon), {fates['failed_in_hold']} failed (by the held transaction), {fates['crashed']} crashed "
              f"({vias['crash']} crashes, {fates['crashed'] - vias['crash']} kills whose orchestrator write failed under the lock)")
        if self.hold:
            print(f"write lock held {self.hold['released'] - self.hold['acquired']:.1f} s ({stamp(self.hold['acquired'])} to "
                  f"{stamp(self.hold['released'])}), taken {ms(self.hold['acquired'] - self.hold['asked'])} after asking")
        ok_writes = [w for w in self.writes if w["ok"]]
        waits = sorted(w["end"] - w["start"] for w in ok_writes if w["kind"] == "db" and not self.in_hold(w["start"], w["end"]))
        print(f"orchestrator writes: {len(ok_writes)} committed, {len(self.writes) - len(ok_writes)} failed; a state_db write's call outside the "
              f"hold: p50 {ms(pct(waits, 50))} p99 {ms(pct(waits, 99))} max {ms(waits[-1] if waits else None)}")
        print("  committed by call: " + ", ".join(f"{op} {n}" for op, n in Counter(w["op"] for w in ok_writes).most_common()))
        print(f"sampler: {self.sampler.samples} samples every {a.sample_ms:g} ms (largest gap {ms(self.sampler.max_gap)}), {len(self.sampler.errors)} read errors")
        print(f"registryctl: {sum(len(v) for v in self.ended.values())} endings written, {sum(superseded.values())} compare-and-sets lost to the "
              f"orchestrator's write, log levels {dict(levels)}" + (f", mass guard: {guard[:2]}" if guard else ""))
        first = Counter(x["fate"] for i, x in self.spawned.items() if x["fate"] in ("terminated", "failed_batch", "failed_late") and self.ended.get(i))
        held = [i for i, x in self.spawned.items() if x["fate"] == "failed_in_hold"]
        print(f"  ended failed by the held transaction after run had judged them: {len(held)}, run's compare-and-set lost on "
              f"{sum(1 for i in held if superseded.get(i))} of them")
        print(f"  run ended first (the orchestrator's write then overwrote it): {first['terminated']} of {fates['terminated']} kill_real_agent, "
              f"{first['failed_batch']} of {fates['failed_batch']} batch, {first['failed_late']} of {fates['failed_late']} late")
        for error in errors[:3]:
            print(f"  run error: {error}")

    def check_lost_writes(self):
        """Every agent the orchestrator kept or ended itself reads the status and progress it last committed; a crashed one
        keeps its last progress (run changes only the status, and progress to 100 when it completes one)."""
        lost = []
        for i, x in self.spawned.items():
            row = self.rows.get(i)
            if x["fate"] == "crashed":
                kept = 100 if row and row["status"] == "completed" else x["progress"]
                if row is None or row["progress"] != kept:
                    lost.append(f"{i} (crashed, ended {row and row['status']}): progress {row and row['progress']}, expected {kept}")
            elif row is None or (row["status"], row["progress"]) != (x["status"], x["progress"]):
                lost.append(f"{i} ({x['fate']}): wrote {x['status']}/{x['progress']}, row {row and (row['status'], row['progress'])}, "
                            f"latest message {row and row['latest_message']!r}")
        own = sum(1 for x in self.spawned.values() if x["fate"] != "crashed")
        self.check(f"0 lost orchestrator writes ({own} agents it kept or ended itself read its last status and progress; "
                   f"{len(self.spawned) - own} crashed keep their progress)", not lost, "\n      ".join(lost[:12]))

    def check_live_never_terminal(self):
        """No sample, no ending in run's log and no audit line before the agent's session was killed or its ending written;
        every agent nobody ended still has its session."""
        bad = []
        for i, x in self.spawned.items():
            seen = self.sampler.first_terminal.get(i)
            if seen is not None and seen < self.protected[i]:
                bad.append(f"{i} ({x['fate']}): sampled terminal at {stamp(seen)}, its session killed / ending written at "
                           f"{stamp(self.protected[i])}; sampled timeline {timeline(self.sampler.timeline.get(i, []))}")
            for end in self.ended.get(i, []):
                if end["at"] is None or end["at"] < self.protected[i]:
                    bad.append(f"{i} ({x['fate']}): run ended it {end['new']} at {stamp(end['at'])} ({end['evidence']})")
            if x["fate"] == "live" and self.audit_lines(i, x["task_id"]):
                bad.append(f"{i} (live): run appended {self.audit_lines(i, x['task_id'])}")
            if x["fate"] == "live" and x["session"] not in self.sessions_at_end:
                bad.append(f"{i} (live): its session is gone at the end, though nobody killed it")
        bad += self.anomalies
        never_killed = sum(1 for x in self.spawned.values() if x["fate"] == "live")
        self.check(f"0 live agents ever terminal ({len(self.spawned)} agents sampled until their session was killed or their ending "
                   f"written; {never_killed} never killed)", not bad, "\n      ".join(bad[:12]))

    def check_crash_latency(self):
        """From the kill to the first sample that reads the row terminal; time under the held lock is not counted."""
        latencies, raw, across, unrepaired = [], [], 0, []
        for i, x in self.spawned.items():
            if x["fate"] != "crashed" or x["via"] != "crash":
                continue
            seen = self.sampler.first_terminal.get(i)
            if seen is None:
                unrepaired.append(i)
            elif seen >= x["kill_at"]:  # (terminal before its kill fails check 2; it is no latency)
                excluded = self.hold_overlap(x["kill_at"], seen)
                across += excluded > 0
                latencies.append(seen - x["kill_at"] - excluded)
                raw.append(seen - x["kill_at"])
        latencies.sort()
        p99 = pct(latencies, 99)
        print(f"crash repair latency (n={len(latencies)}, {across} of them across the held lock, its time not counted): "
              f"p50 {sec(pct(latencies, 50))} p90 {sec(pct(latencies, 90))} p99 {sec(p99)} max {sec(latencies[-1] if latencies else None)}; "
              f"from the kill including the hold: max {sec(max(raw) if raw else None)}")
        self.check(f"crashes repaired within {self.args.target_p99:g} s p99 (p99 {sec(p99)}, {len(unrepaired)} never repaired)",
                   not unrepaired and p99 is not None and p99 <= self.args.target_p99,
                   f"never repaired: {unrepaired[:10]}; slowest: " + ", ".join(sec(v) for v in latencies[-5:]))

    def check_rows(self, counts):
        doubles = [i for i, n in counts.items() if n != 1]
        missing = [i for i in self.spawned if i not in self.rows]
        misplaced = [i for i in self.spawned if i in self.rows and self.rows[i]["task_id"] != self.spawned[i]["task_id"]]
        strangers = [i for i in self.rows if i not in self.spawned]  # a failed spawn's row, or anything else's
        self.check(f"every spawned agent's row exists exactly once ({len(self.rows)} rows), none for a failed spawn, no other",
                   not (doubles or missing or misplaced or strangers),
                   f"doubles {doubles[:5]} missing {missing[:5]} misplaced {misplaced[:5]} others {strangers[:5]}")

    def check_crash_endings(self):
        """run chooses the ending from the agent's files: terminal progress line, else stream result, else terminated."""
        wrong, crashed = [], [x for x in self.spawned.values() if x["fate"] == "crashed"]
        for x in crashed:
            status = (self.rows.get(x["id"]) or {}).get("status")
            if status not in x["expected_endings"]:
                wrong.append(f"{x['id']} ({x['via']}, stream {x['stream']}): expected {'/'.join(x['expected_endings'])}, row {status}, "
                             f"run said {[(e['new'], e['evidence']) for e in self.ended.get(x['id'], [])]}")
        self.check(f"every crashed agent ends terminal, as its evidence says ({len(crashed)}: "
                   f"{dict(Counter('/'.join(x['expected_endings']) for x in crashed))})", not wrong, "\n      ".join(wrong[:12]))

    def check_audit_lines(self):
        """run's audit trail: one progress line (reconciled_by) per ending it wrote, with that status, and none else."""
        wrong = []
        for i, x in self.spawned.items():
            written = sorted(e["new"] for e in self.ended.get(i, []))
            lines = sorted(line.get("status") for line in self.audit_lines(i, x["task_id"]))
            if written != lines:
                wrong.append(f"{i} ({x['fate']}): run logged endings {written}, its progress lines say {lines}")
        self.check(f"each ending run wrote has its one progress line ({sum(len(v) for v in self.ended.values())} endings)",
                   not wrong, "\n      ".join(wrong[:8]))

    def check_refused_writes(self):
        """With run's write lock bounded by its 5 s BusyTimeout, only the 20 s writer can make the orchestrator's 10 s wait fail."""
        failed = [w for w in self.writes if not w["ok"]]
        refused = [w for w in failed if not self.in_hold(w["start"], w["end"])]
        self.check(f"orchestrator writes fail only while the {self.args.lock_seconds:g} s lock is held "
                   f"({len(failed)} failed, {len(refused)} of them outside it)", not refused,
                   "\n      ".join(f"{w['op']} {w['agent']} at {stamp(w['start'])} for {w['end'] - w['start']:.2f} s: {w['error']}" for w in refused[:8]))


# ---- small helpers --------------------------------------------------------------------------------------------------
def pct(values, p):
    """Nearest-rank percentile of sorted values."""
    if not values:
        return None
    return values[min(len(values) - 1, max(0, -(-len(values) * p // 100) - 1))]


def timeline(entries, last=8):
    return ", ".join(f"{stamp(t)} {status}/{progress}" for t, status, progress in entries[-last:])


def ms(value):
    return "-" if value is None else f"{value * 1000:.1f} ms"


def sec(value):
    return "-" if value is None else f"{value:.3f} s"


def stamp(t):
    return "-" if t is None or t == float("inf") else datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registryctl", default="/tmp/aot-new/registryctl", help="the registryctl command (a published binary)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the simulators run")
    parser.add_argument("--simulators", type=int, default=4, help="python3 orchestrator processes writing at once")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000, help="the random mix's seed (printed)")
    parser.add_argument("--lock-at", type=float, default=15.0, help="seconds into the run when the lock holder starts")
    parser.add_argument("--lock-seconds", type=float, default=20.0, help="how long it holds the write lock (0: no holder)")
    parser.add_argument("--grace", default="3s", help="REGISTRYCTL_Reconcile__Grace for run")
    parser.add_argument("--crash-min-age", type=float, default=4.0, help="crash only agents whose row is this old (past the grace)")
    parser.add_argument("--min-live", type=int, default=5, help="each simulator keeps at least this many live agents")
    parser.add_argument("--max-live", type=int, default=10, help="and spawns only below this many")
    parser.add_argument("--spawn-gap", type=float, default=0.5, help="seconds between the session and its row (deploy: 2 s)")
    parser.add_argument("--pace-ms", type=float, default=40.0, help="mean pause between a simulator's steps")
    parser.add_argument("--sample-ms", type=float, default=50.0, help="the sampler's period")
    parser.add_argument("--settle", type=float, default=10.0, help="at most this long for the last crashes to be repaired")
    parser.add_argument("--quiet", type=float, default=2.0, help="then this long of sampling before run is stopped")
    parser.add_argument("--target-p99", type=float, default=1.0, help="the crash repair latency target, seconds")
    parser.add_argument("--tz", help="TZ for the orchestrator and run alike (default: inherited)")
    parser.add_argument("--commit", default="d746b7e", help="the orchestrator commit (layout 2026)")
    parser.add_argument("--shell", default="/bin/bash", help="SHELL for tmux")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (it is kept anyway when a check fails)")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--role", choices=("main", "simulator", "lock-holder"), default="main", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role != "main":
        cfg = json.loads(Path(args.config).read_text())
        Simulator(cfg).run() if args.role == "simulator" else hold_write_lock(cfg)
        return 0

    if args.tz:  # this process prints times too: in the same zone as the orchestrator and run
        os.environ["TZ"] = args.tz
        time.tzset()
    print(f"seed {args.seed}")
    torture = Torture(args)
    try:
        torture.run()
        torture.report()
    except Exception as e:  # a broken step is a failed run, with the reason
        torture.check("the torture runs to its end", False, repr(e))
    finally:
        failed = not all(torture.results) or not torture.results
        torture.cleanup(keep=args.keep or failed)
    passed = sum(torture.results)
    print(f"\n{passed} of {len(torture.results)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
