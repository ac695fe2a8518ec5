"""Benchmark: start-up of the frozen app beside ``papershelf`` from the virtualenv (issue #8).

For each program, the wall-clock time of

1. ``papershelf --version``;
2. opening the library window on a library holding the sample digest (search index built
   beforehand), showing it and quitting (``PAPERSHELF_QUIT_AFTER_START=0``, headless);

the first run (nothing of the program in the page cache yet, if it was just built or
unpacked) and the median of the runs after it. Also the size of the frozen folder and of its
tarball. The frozen app is the one ``make package`` leaves in dist/ (or the program named by
``PAPERSHELF_FROZEN_APP``); without it, only the virtualenv is measured.

Run with ``make package && make bench BENCH_ARGS=tests/bench/test_bench_startup.py``; the
figures go to the "Start-up and size" section of tests/bench/RESULTS.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bench.results import write_section

SECTION = "Start-up and size"
COMMAND = "make package && make bench BENCH_ARGS=tests/bench/test_bench_startup.py"
ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("PAPERSHELF_BENCH_STARTUP_RUNS", "15"))
HANG_S = 30


def _frozen_app() -> Path | None:
    path = Path(
        os.environ.get("PAPERSHELF_FROZEN_APP", ROOT / "dist" / "papershelf" / "papershelf")
    )
    return path if path.is_file() else None


def _size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_symlink()) / 1e6


def _time(argv: list[str], env: dict[str, str]) -> float | None:
    """Seconds the command took, or None when it failed or hung."""
    start = time.perf_counter()
    try:
        result = subprocess.run(argv, env=env, capture_output=True, timeout=HANG_S)
    except subprocess.TimeoutExpired:
        return None
    took = time.perf_counter() - start
    return took if result.returncode == 0 else None


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float | None, list[float], int]:
    first = _time(argv, env)
    times = [_time(argv, env) for _ in range(RUNS)]
    ok = [t for t in times if t is not None]
    return first, ok, RUNS - len(ok)


def _ms(seconds: float | None) -> str:
    return "failed" if seconds is None else f"{seconds * 1000:.0f} ms"


def test_startup_of_the_frozen_app_and_the_virtualenv(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "PAPERSHELF_LIBRARY": str(tmp_path / "library"),
        "PAPERSHELF_CACHE_DIR": str(tmp_path / "cache"),
        "PAPERSHELF_CONFIG_DIR": str(tmp_path / "config"),
        "PAPERSHELF_LOG_DIR": str(tmp_path / "log"),
        "PAPERSHELF_STATE_DIR": str(tmp_path / "state"),
    }
    venv = Path(sys.executable).with_name("papershelf")
    if not venv.is_file():
        pytest.skip(f"{venv} is not installed (pip install -e .)")
    digest = ROOT / "resources" / "sample-digest.md"
    subprocess.run([str(venv), "import-digest", str(digest)], env=env, check=True)
    warm = {**env, "PAPERSHELF_QUIT_AFTER_START": "3000"}
    subprocess.run([str(venv)], env=warm, check=True, capture_output=True, timeout=60)

    programs = {"virtualenv (`.venv/bin/papershelf`)": venv}
    frozen = _frozen_app()
    if frozen is not None:
        shown = frozen.relative_to(ROOT) if frozen.is_relative_to(ROOT) else frozen
        programs[f"frozen (`{shown}`)"] = frozen
    window = {**env, "PAPERSHELF_QUIT_AFTER_START": "0"}
    load = os.getloadavg()[0]
    rows = []
    for name, program in programs.items():
        for what, argv, run_env in (
            ("`--version`", [str(program), "--version"], env),
            ("open the window and quit", [str(program)], window),
        ):
            first, ok, failed = _measure(argv, run_env)
            median = statistics.median(ok) if ok else None
            note = f"; {failed} of {RUNS} did not exit cleanly" if failed else ""
            rows.append(f"| {name} | {what} | {_ms(first)} | {_ms(median)}{note} |")
            print(name, what, _ms(first), _ms(median), note)

    lines = [
        f"Command: `{COMMAND}`. Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; headless (offscreen), a library holding the sample "
        f"digest (33 papers) with its index built. First run, then the median of {RUNS} "
        f"runs; load average {load:.1f} at the start (the machine is shared).",
        "",
        "| program | what | first run | median |",
        "|---|---|---|---|",
        *rows,
    ]
    if frozen is not None:
        folder = frozen.parent
        lines += ["", f"Size of the frozen app: {_size_mb(folder):.0f} MB (the folder)"]
        tarballs = sorted((folder.parent).glob("papershelf-*-linux-*.tar.gz"))
        if tarballs:
            lines[-1] += f", {_size_mb(tarballs[-1]):.0f} MB as `{tarballs[-1].name}`"
        lines[-1] += "."
    else:
        lines += ["", "The frozen app was not built (`make package`): not measured."]
    write_section(SECTION, lines)
