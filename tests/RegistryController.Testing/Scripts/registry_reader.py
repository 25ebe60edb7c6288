"""A reader polling registries for registry-controller's crash-safety torture.

  locked:   open, fcntl.flock(LOCK_SH) as the orchestrator's readers do, read, unlock, json.loads
  unlocked: open, read, json.loads (outside the contract: what a careless reader would see)

It reads every path in turn, as fast as it can, until the stop file exists. Each read that does not
parse is counted with its CLOCK_MONOTONIC time (so that the harness can tell which of its own phases
it fell in), and the first few are saved byte for byte. On exit it prints a JSON summary.

Usage: python3 registry_reader.py locked|unlocked PATHS.json OUT_DIR STOP_FILE
"""
import fcntl
import json
import os
import sys
import time

mode, paths_file, out_dir, stop_file = sys.argv[1:5]
paths = json.load(open(paths_file))
locked = mode == "locked"
reads = 0
failures = []
saved = 0
print("ready", flush=True)
while not os.path.exists(stop_file):
    for path in paths:
        try:
            with open(path, "rb") as f:
                if locked:
                    fcntl.flock(f.fileno(), fcntl.LOCK_SH)
                raw = f.read()
                if locked:
                    fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        except FileNotFoundError:
            continue
        reads += 1
        try:
            json.loads(raw)
        except ValueError as e:
            at = time.monotonic()
            failures.append({"path": path, "monotonic": at, "error": str(e)[:200], "length": len(raw)})
            if saved < 20:
                saved += 1
                with open(os.path.join(out_dir, f"{mode}-{saved:02d}.bin"), "wb") as out:
                    out.write(raw)
                failures[-1]["saved"] = f"{mode}-{saved:02d}.bin"
print(json.dumps({"mode": mode, "reads": reads, "failures": failures[:10000], "failure_count": len(failures)}), flush=True)
