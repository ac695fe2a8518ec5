"""``make torture``: the reliability run of issue #19 (not part of ``make test``).

    python -m tests.torture [--trials 300] [--writers 8] [--edits 100] [--examples 200]
                            [--only kills,concurrent,hostile,fuzz,disk]

Prints a table (trials, corrupt, lost, tracebacks, hangs: the goal is 0 in every column
but trials) and the first problems of each section; exits 1 when any column is not 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from tests.torture.fuzz import disk_full, fuzz
from tests.torture.harness import Row, table
from tests.torture.hostile import hostile
from tests.torture.kills import concurrent, kill_nine

SECTIONS = ("kills", "concurrent", "hostile", "fuzz", "disk")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.torture", description=__doc__)
    parser.add_argument("--trials", type=int, default=300, help="kill -9 trials")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--edits", type=int, default=100, help="edits per writer")
    parser.add_argument("--examples", type=int, default=200, help="fuzzed files per reader")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--only", default=",".join(SECTIONS))
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    rows: list[Row] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="papershelf-torture-") as tmp:
        work = Path(tmp)
        runs = {
            "kills": lambda: kill_nine(work, args.trials, args.seed),
            "concurrent": lambda: concurrent(work, args.writers, args.edits, args.seed),
            "hostile": lambda: hostile(work),
            "fuzz": lambda: fuzz(work, args.examples),
            "disk": lambda: disk_full(work),
        }
        for name in SECTIONS:
            if name in only:
                print(f"torture: {name} …", file=sys.stderr, flush=True)
                rows.append(runs[name]())
    print()
    print(
        f"Torture run: `make torture` on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {time.monotonic() - started:.0f} s in all."
    )
    print()
    print(table(rows))
    for row in rows:
        if row.problems:
            print(f"\n{row.name}: first problems")
            for problem in row.problems:
                print(f"  - {problem}")
    return 1 if any(r.failures for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
