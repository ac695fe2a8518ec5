"""A command run as a process, its wall time and the peak memory of its whole process tree.

The peak is the largest sum, over one sample, of the resident memory (VmRSS) of the process
and every process descended from it (the rebuild's worker processes), sampled every 20 ms
from /proc. ``ru_maxrss`` would give each process's own peak, whose sum overstates a peak
the processes did not reach together.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float  # 0.0 where /proc is not there


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    """The resident memory of ``pid`` and all its descendants, in KiB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_kb(p)
        todo.extend(_children(p))
    return total


def run(cmd: Sequence[str], env: dict[str, str] | None = None, interval: float = 0.02) -> Run:
    """Run ``cmd`` to its end (a failure raises), sampling its tree's memory meanwhile."""
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    if PROC.is_dir():
        sampler.start()
    _out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    if sampler.is_alive():
        sampler.join()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, list(cmd), stderr=err)
    return Run(seconds, peak / 1024)


def python_env(root: Path) -> dict[str, str]:
    """The environment of a benchmark's child process: the project importable."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return env
