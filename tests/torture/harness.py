"""What every section of the torture run shares: a user's shell, a library audit, the table.

The run works on throwaway libraries in a temporary folder, with its own cache and state
folders (the text cache is shared by every library of a user: a misfiled text must not reach
the real one).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core import jsonfiles
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.interop.digest import write_digest
from desktop_app.core.paper import Paper

ROOT = Path(__file__).resolve().parents[2]
#: Seconds after which a command counts as hung.
HANG_S = 60.0


@dataclass
class Row:
    """One line of the table: what was tried and what went wrong."""

    name: str
    trials: int = 0
    corrupt: int = 0
    lost: int = 0
    tracebacks: int = 0
    hangs: int = 0
    seconds: float = 0.0
    skipped: str = ""
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < 12:
            self.problems.append(text)

    @property
    def failures(self) -> int:
        return self.corrupt + self.lost + self.tracebacks + self.hangs


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    hung: bool = False
    killed: bool = False

    @property
    def traceback(self) -> bool:
        """A traceback or a crash instead of one clear line."""
        return "Traceback (most recent call last)" in self.stderr or self.returncode < 0


class Shell:
    """Runs ``papershelf`` as a user would, in a subprocess, with isolated folders."""

    def __init__(self, work: Path) -> None:
        self.work = work
        home = work / "home"
        self.env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            HOME=str(home),
            XDG_CACHE_HOME=str(home / "cache"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_DATA_HOME=str(home / "data"),
            QT_QPA_PLATFORM="offscreen",
            COLUMNS="120",
        )
        self.env.pop("PAPERSHELF_LIBRARY", None)

    def command(self, library: Path, *args: str) -> list[str]:
        return [sys.executable, "-m", "desktop_app", "--library", str(library), "--offline", *args]

    def run(
        self,
        library: Path,
        *args: str,
        timeout: float = HANG_S,
        env: dict[str, str] | None = None,
    ) -> Result:
        try:
            done = subprocess.run(
                self.command(library, *args),
                capture_output=True,
                text=True,
                errors="replace",
                env=env or self.env,
                cwd=self.work,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as e:
            return Result(-9, _text(e.stdout), _text(e.stderr), hung=True)
        return Result(done.returncode, done.stdout, done.stderr)

    def start(self, library: Path, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(library, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env=self.env,
            cwd=self.work,
        )

    def run_killed(self, library: Path, args: tuple[str, ...], after: float) -> Result:
        """Start a command and kill -9 it after ``after`` seconds (unless it ended before)."""
        proc = self.start(library, *args)
        try:
            out, err = proc.communicate(timeout=after)
            return Result(proc.returncode, out, err)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate()
            return Result(proc.returncode, out, err, killed=True)


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def audit(library: Path) -> list[str]:
    """Every file of the library that is not whole: paper.json that does not parse as a
    record, a notes.md or library.json that cannot be read."""
    bad: list[str] = []
    marker = library / "library.json"
    try:
        jsonfiles.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        bad.append(f"{marker}: {e}")
    for place in ("papers", "trash"):
        folder = library / place
        if not folder.is_dir():
            continue
        for paper_dir in folder.iterdir():
            if paper_dir.name.startswith(".") or not paper_dir.is_dir():
                continue
            record = paper_dir / "paper.json"
            if record.exists():
                try:
                    Paper.from_dict(jsonfiles.loads(record.read_text(encoding="utf-8")))
                except (OSError, ValueError, TypeError, KeyError) as e:
                    bad.append(f"{record}: {e}")
            notes = paper_dir / "notes.md"
            if notes.exists():
                try:
                    notes.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as e:
                    bad.append(f"{notes}: {e}")
    return bad


def make_papers(rng: random.Random, n: int, *, first: int = 0, yymm: str = "2504") -> list[Paper]:
    """``n`` papers with arXiv IDs ``yymm.1xxxx`` numbered from ``first``."""
    words = [
        "retrieval",
        "dense",
        "sparse",
        "ranking",
        "graph",
        "neural",
        "agent",
        "memory",
        "index",
        "query",
    ]
    papers = []
    for i in range(first, first + n):
        aid = ArxivId(f"{yymm}.{10000 + i:05d}", 1)
        title = " ".join(rng.choice(words) for _ in range(6)).capitalize() + f" {i}"
        papers.append(
            Paper.from_arxiv(
                aid,
                title=title,
                authors=[f"Author {i}", "Second Writer"],
                abstract=" ".join(rng.choice(words) for _ in range(60)),
                categories=["cs.IR"],
                published="2025-04-07",
            )
        )
    return papers


def write_digest_file(path: Path, papers: list[Paper]) -> Path:
    path.write_text(write_digest(papers), encoding="utf-8")
    return path


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self.start


def table(rows: list[Row]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| section | trials | corrupt | lost | tracebacks | hangs | time |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.skipped:
            lines.append(f"| {r.name} | skipped: {r.skipped} | | | | | |")
            continue
        lines.append(
            f"| {r.name} | {r.trials:,} | {r.corrupt} | {r.lost} | {r.tracebacks} | {r.hangs} "
            f"| {r.seconds:.0f} s |"
        )
    total = Row("total")
    for r in rows:
        for name in ("trials", "corrupt", "lost", "tracebacks", "hangs"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    lines.append(
        f"| **total** | {total.trials:,} | {total.corrupt} | {total.lost} | {total.tracebacks} "
        f"| {total.hangs} | |"
    )
    return "\n".join(lines)
