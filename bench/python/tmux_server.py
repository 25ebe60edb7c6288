"""Stopping a benchmark's private tmux server, and waiting until it is gone.

`tmux kill-server` returns at once, while a server of a thousand sessions goes on closing them for up to a minute at a
third of a core: a benchmark that returned then left its tear-down running into whatever was timed next.
"""
import os
import subprocess
import time


def kill_and_wait(socket, env=None, deadline_s=180.0):
    """Kills the tmux server on `socket` (if one answers) and returns when its process has exited."""
    answer = subprocess.run(["tmux", "-S", str(socket), "display-message", "-p", "#{pid}"],
                            capture_output=True, text=True, env=env)
    subprocess.run(["tmux", "-S", str(socket), "kill-server"], capture_output=True, env=env)
    if answer.returncode != 0 or not answer.stdout.strip().isdigit():
        return
    pid = int(answer.stdout.strip())
    give_up = time.monotonic() + deadline_s
    while running(pid):
        if time.monotonic() > give_up:
            print(f"warning: the tmux server {pid} on {socket} still runs {deadline_s:.0f} s after kill-server")
            return
        time.sleep(0.05)


def running(pid):
    """Whether `pid` runs: not our child (tmux daemonises), so an exited one may linger as a zombie until reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The state follows the parenthesised command name, which may itself hold spaces or parentheses.
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
