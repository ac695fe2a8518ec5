"""Write commands killed at random points, and writers running at once (issue #19).

A kill -9 may stop a command anywhere; what it had finished must stay, what it was writing
must be either whole or absent, and the next command must work. Writers running at once
(each process its own edits on shared papers, with a reindex loop in a process of its own
and searches going on at the same time) must lose nothing, and no search may fail while the
index is switched under it.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

from tests.torture.harness import (
    Result,
    Row,
    Shell,
    Timer,
    audit,
    make_papers,
    write_digest_file,
)

STATUSES = ("unread", "reading", "read")
MIN_SEARCHES = 30  # searches during the reindex loop, however soon the writers are done


def kill_nine(work: Path, trials: int, seed: int) -> Row:
    """``trials`` write commands, each killed -9 after a random time."""
    row = Row("kill -9 during write commands")
    rng = random.Random(seed)
    shell = Shell(work)
    library = work / "kills"
    first = write_digest_file(work / "kills-first.md", make_papers(rng, 40))
    setup = shell.run(library, "import-digest", str(first))
    assert setup.returncode == 0, setup.stderr
    keys = sorted(p.name for p in (library / "papers").iterdir())
    edit_keys, trash_keys = keys[:30], keys[30:]
    tags: dict[str, set[str]] = {}
    notes: dict[str, list[str]] = {}
    imported: set[str] = set()
    seen_bad: set[str] = set()
    with Timer() as t:
        for i in range(trials):
            kind = rng.choice(("tag", "tag", "note", "note", "status", "rate", "trash", "import"))
            if i % 40 == 39:
                kind = "reindex"
            key = rng.choice(edit_keys)
            expect: tuple[str, str, str] | None = None
            if kind == "tag":
                args: tuple[str, ...] = ("tag", key, "--add", f"k{i}")
                expect = ("tag", key, f"k{i}")
            elif kind == "note":
                text = f"Paragraph {i} of the torture run."
                args, expect = ("note", key, "--append", text), ("note", key, text)
            elif kind == "status":
                args = ("status", key, rng.choice(STATUSES))
            elif kind == "rate":
                args = ("rate", key, str(rng.randint(0, 5)))
            elif kind == "trash":
                key = rng.choice(trash_keys)
                args = ("rm", key) if (library / "papers" / key).is_dir() else ("restore", key)
            elif kind == "import":
                papers = make_papers(rng, 5, first=1000 + 5 * i)
                digest = write_digest_file(work / f"kills-{i}.md", papers)
                args = ("import-digest", str(digest))
                expect = ("import", ",".join(p.key for p in papers), "")
            else:
                args = ("reindex",)
            result = shell.run_killed(library, args, after=rng.uniform(0.05, 1.6))
            row.trials += 1
            if result.traceback and not result.killed:
                row.tracebacks += 1
                row.problem(f"{' '.join(args)}: {result.stderr.strip().splitlines()[-1:]}")
            if not result.killed and result.returncode == 0 and expect is not None:
                what, where, value = expect
                if what == "tag":
                    tags.setdefault(where, set()).add(value)
                elif what == "note":
                    notes.setdefault(where, []).append(value)
                else:
                    imported.update(where.split(","))
            for bad in audit(library):
                if bad not in seen_bad:
                    seen_bad.add(bad)
                    row.corrupt += 1
                    row.problem(f"after {' '.join(args)} (killed={result.killed}): {bad}")
            if i % 25 == 24:
                _check_list(shell, library, row)
    _check_list(shell, library, row)
    row.lost += _lost(library, tags, notes, imported, row)
    row.seconds = t.seconds
    return row


def _check_list(shell: Shell, library: Path, row: Row) -> None:
    listed = shell.run(library, "list", "--json")
    if listed.returncode != 0 or listed.traceback:
        row.tracebacks += 1
        row.problem(f"list after kills: exit {listed.returncode}: {listed.stderr[-300:]}")
        return
    try:
        json.loads(listed.stdout)
    except ValueError as e:
        row.corrupt += 1
        row.problem(f"list --json printed no JSON: {e}")


def _lost(
    library: Path,
    tags: dict[str, set[str]],
    notes: dict[str, list[str]],
    imported: set[str],
    row: Row,
) -> int:
    """Edits that a command reported done but that are not in the library."""
    lost = 0
    for key, wanted in tags.items():
        have = set(json.loads((library / "papers" / key / "paper.json").read_text())["tags"])
        for tag in wanted - have:
            lost += 1
            row.problem(f"lost tag {tag} of {key}")
    for key, paragraphs in notes.items():
        path = library / "papers" / key / "notes.md"
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        for paragraph in paragraphs:
            if paragraph not in text:
                lost += 1
                row.problem(f"lost note paragraph {paragraph!r} of {key}")
    for key in imported:
        if not (library / "papers" / key / "paper.json").exists():
            lost += 1
            row.problem(f"lost imported paper {key}")
    return lost


WRITER = """
import random, sys
from desktop_app.core.library import Library
lib = Library.open(sys.argv[1], create=False)
who, count = sys.argv[2], int(sys.argv[3])
rng = random.Random(who)
keys = lib.keys()
for j in range(count):
    key = rng.choice(keys)
    lib.add_tags(key, [f"{who}-{j}"])
    print("tag", key, f"{who}-{j}", flush=True)
    if j % 4 == 0:
        lib.append_notes(key, f"Note {who}-{j}.")
        print("note", key, f"Note {who}-{j}.", flush=True)
"""


def concurrent(work: Path, writers: int, edits: int, seed: int) -> Row:
    """``writers`` processes editing the same papers, a reindex loop and a search loop."""
    row = Row(f"{writers} writers at once, with reindex and search")
    rng = random.Random(seed)
    shell = Shell(work)
    library = work / "concurrent"
    digest = write_digest_file(work / "concurrent.md", make_papers(rng, 20, yymm="2505"))
    assert shell.run(library, "import-digest", str(digest)).returncode == 0
    with Timer() as t:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(library), f"w{n}", str(edits)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=shell.env,
            )
            for n in range(writers)
        ]
        loops = 0
        failed: list[tuple[tuple[str, ...], Result]] = []

        def run(*args: str) -> None:
            nonlocal loops
            result = shell.run(library, *args)
            loops += 1
            if result.returncode != 0 or result.traceback:
                failed.append((args, result))

        searching = threading.Event()
        searching.set()

        def reindexing() -> None:  # in a process of its own, switching the index meanwhile
            while searching.is_set():
                run("reindex")

        reindexer = threading.Thread(target=reindexing)
        reindexer.start()
        papers = sorted((library / "papers").glob("*/paper.json"))
        rounds = 0
        while rounds < MIN_SEARCHES or any(p.poll() is None for p in procs):
            # A paper touched (as a sync tool does): each search's sync has work to do
            # while the index may be switched under it.
            os.utime(rng.choice(papers))
            for args in (("search", "retrieval"), ("list",)):
                run(*args)
            rounds += 1
        searching.clear()
        reindexer.join()
        for args, result in failed:
            row.tracebacks += 1
            row.problem(f"{' '.join(args)} during writes: {result.stderr[-300:]}")
        done_tags: dict[str, set[str]] = {}
        done_notes: dict[str, list[str]] = {}
        for p in procs:
            out, err = p.communicate()
            if p.returncode != 0:
                row.tracebacks += 1
                row.problem(f"writer failed: {err[-300:]}")
            for line in out.splitlines():
                what, key, value = line.split(" ", 2)
                row.trials += 1
                if what == "tag":
                    done_tags.setdefault(key, set()).add(value)
                else:
                    done_notes.setdefault(key, []).append(value)
        row.trials += loops
    for bad in audit(library):
        row.corrupt += 1
        row.problem(bad)
    row.lost += _lost(library, done_tags, done_notes, set(), row)
    row.seconds = t.seconds
    return row
