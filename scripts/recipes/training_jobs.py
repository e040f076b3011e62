"""Run training commands a few at a time, each with its own log, resumable (the recipes' scripts share this).

``run_jobs(jobs, parallel)``: ``jobs`` is a list of (name, command, log file); ``parallel`` children at a time
(one thread each is the caller's business). Prints when each starts and ends; returns the names that failed.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def run_jobs(jobs: list[tuple[str, list[str], Path]], parallel: int, cwd: Path | None = None,
             poll_seconds: float = 5.0) -> list[str]:
    todo, running, failed = list(jobs), [], []
    while todo or running:
        while todo and len(running) < max(1, parallel):
            name, cmd, log_path = todo.pop(0)
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(log_path, "a")  # noqa: SIM115 - the child holds it to its end
            running.append((name, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd), time.time(),
                            log))
            print(f"started {name}", flush=True)
        time.sleep(poll_seconds)
        for item in list(running):
            name, proc, t0, log = item
            if proc.poll() is not None:
                running.remove(item)
                log.close()
                print(f"{name}: exit {proc.returncode} after {time.time() - t0:.0f} s", flush=True)
                if proc.returncode != 0:
                    failed.append(name)
    return failed
