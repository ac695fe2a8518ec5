"""``make sync-soak``: two real Syncthing instances on loopback share one library, both sides
edit the same papers at once, and nothing may be lost (issue #19).

    python -m tests.torture.sync_soak [--minutes 3] [--papers 6] [--seed 19]

Each side is a library folder of its own, shared with the other through Syncthing (Debian's
``syncthing``; no network but 127.0.0.1: discovery, relays and NAT are off). For the given
time each side runs ``papershelf`` commands at random (tags, notes, status, ratings) on the
same few papers, on purpose, so that Syncthing makes conflict copies. Then: quiescence,
``papershelf conflicts --merge`` on both sides, a final sync, and the checks: both folders
identical, every tag added and every note paragraph appended on either side present, no
conflict copy left. It prints edits, conflict copies made, merged, lost (goal: 0 lost).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.torture.harness import Shell, make_papers, write_digest_file

FOLDER = "papershelf"
CONFLICT_MARKS = (".sync-conflict-", "conflicted copy", "_conflict-")
#: What Syncthing does not carry: the lock (each machine has its own) and temp files.
STIGNORE = "(?d).papershelf.lock\n(?d).*.tmp\n(?d)**/.*.tmp\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Side:
    """One machine: a Syncthing home, a library folder and a REST address."""

    name: str
    root: Path
    api_key: str = field(default_factory=lambda: secrets.token_hex(16))
    gui_port: int = field(default_factory=_free_port)
    sync_port: int = field(default_factory=_free_port)
    device_id: str = ""
    process: subprocess.Popen[bytes] | None = None

    @property
    def home(self) -> Path:
        return self.root / "syncthing"

    @property
    def library(self) -> Path:
        return self.root / "library"

    def generate(self) -> None:
        subprocess.run(
            ["syncthing", "generate", f"--home={self.home}", "--no-default-folder"],
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            ["syncthing", "serve", f"--home={self.home}", "--device-id"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.device_id = out.strip()

    def configure(self, other: Side) -> None:
        devices = "".join(
            f'<device id="{s.device_id}" name="{s.name}" compression="metadata">'
            f"<address>tcp://127.0.0.1:{s.sync_port}</address></device>"
            for s in (self, other)
        )
        folder_devices = "".join(f'<device id="{s.device_id}"></device>' for s in (self, other))
        config = f"""<configuration version="36">
  <folder id="{FOLDER}" label="{FOLDER}" path="{self.library}" type="sendreceive"
          rescanIntervalS="3600" fsWatcherEnabled="true" fsWatcherDelayS="1">
    {folder_devices}
    <maxConflicts>-1</maxConflicts>
  </folder>
  {devices}
  <gui enabled="true" tls="false">
    <address>127.0.0.1:{self.gui_port}</address><apikey>{self.api_key}</apikey>
  </gui>
  <options>
    <listenAddress>tcp://127.0.0.1:{self.sync_port}</listenAddress>
    <globalAnnounceEnabled>false</globalAnnounceEnabled>
    <localAnnounceEnabled>false</localAnnounceEnabled>
    <relaysEnabled>false</relaysEnabled>
    <natEnabled>false</natEnabled>
    <urAccepted>-1</urAccepted>
    <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
    <crashReportingEnabled>false</crashReportingEnabled>
    <startBrowser>false</startBrowser>
  </options>
</configuration>
"""
        (self.home / "config.xml").write_text(config, encoding="utf-8")
        self.library.mkdir(parents=True, exist_ok=True)
        (self.library / ".stignore").write_text(STIGNORE, encoding="utf-8")

    def start(self) -> None:
        log = open(self.root / "syncthing.log", "wb")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            ["syncthing", "serve", f"--home={self.home}", "--no-browser", "--no-restart"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def rest(self, path: str, *, post: bool = False) -> object:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.gui_port}{path}",
            method="POST" if post else "GET",
            headers={"X-API-Key": self.api_key},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body.strip() else None

    def idle(self) -> bool:
        try:
            status = self.rest(f"/rest/db/status?folder={FOLDER}")
        except OSError:
            return False
        assert isinstance(status, dict)
        return status.get("state") == "idle" and status.get("needTotalItems", 1) == 0

    def scan(self) -> None:
        with contextlib.suppress(OSError):
            self.rest(f"/rest/db/scan?folder={FOLDER}", post=True)


def tree(folder: Path) -> dict[str, str]:
    """Every file of a library folder (Syncthing's own and ignored ones aside) by its hash."""
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if not path.is_file() or rel.startswith((".stfolder", ".stversions", ".stignore")):
            continue
        if path.name == ".papershelf.lock" or path.name.endswith(".tmp"):
            continue
        files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def conflict_copies(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if any(mark in p.name for mark in CONFLICT_MARKS) and ".merged" not in p.parts
    }


def quiesce(a: Side, b: Side, timeout: float = 180.0) -> bool:
    """Wait until both sides are idle with identical folders for 5 s in a row."""
    deadline = time.monotonic() + timeout
    calm_since: float | None = None
    while time.monotonic() < deadline:
        a.scan()
        b.scan()
        time.sleep(1.0)
        same = a.idle() and b.idle() and tree(a.library) == tree(b.library)
        if not same:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= 5:
            return True
    return False


@dataclass
class Edits:
    tags: dict[str, set[str]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    done: int = 0
    failed: list[str] = field(default_factory=list)


def edit_for(shell: Shell, side: Side, keys: list[str], seconds: float, seed: int) -> Edits:
    """Random edits on one side for ``seconds``, each a ``papershelf`` process."""
    rng = random.Random(seed)
    edits = Edits()
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        key = rng.choice(keys)
        kind = rng.choice(("tag", "tag", "note", "note", "status", "rate"))
        if kind == "tag":
            args: tuple[str, ...] = ("tag", key, "--add", f"{side.name}{n}")
        elif kind == "note":
            args = ("note", key, "--append", f"Paragraph {side.name}{n}.")
        elif kind == "status":
            args = ("status", key, rng.choice(("unread", "reading", "read")))
        else:
            args = ("rate", key, str(rng.randint(0, 5)))
        result = shell.run(side.library, *args)
        if result.returncode != 0:
            edits.failed.append(f"{side.name}: {' '.join(args)}: {result.stderr.strip()[-200:]}")
            continue
        edits.done += 1
        if kind == "tag":
            edits.tags.setdefault(key, set()).add(args[-1])
        elif kind == "note":
            edits.notes.setdefault(key, []).append(args[-1])
        time.sleep(rng.uniform(0.0, 0.6))
    return edits


def lost(library: Path, edits: list[Edits]) -> list[str]:
    missing = []
    for e in edits:
        for key, tags in e.tags.items():
            have = set(json.loads((library / "papers" / key / "paper.json").read_text())["tags"])
            missing += [f"{library.parent.name}: tag {t} of {key}" for t in tags - have]
        for key, paragraphs in e.notes.items():
            path = library / "papers" / key / "notes.md"
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            missing += [
                f"{library.parent.name}: {p!r} of {key}" for p in paragraphs if p not in text
            ]
    return missing


def soak(work: Path, minutes: float, papers: int, seed: int) -> int:
    a, b = Side("a", work / "a"), Side("b", work / "b")
    shell = Shell(work)
    for side in (a, b):
        side.generate()
    rng = random.Random(seed)
    digest = write_digest_file(work / "soak.md", make_papers(rng, papers, yymm="2509"))
    made_library = shell.run(a.library, "import-digest", str(digest))
    assert made_library.returncode == 0, made_library.stderr
    a.configure(b)
    b.configure(a)
    try:
        for side in (a, b):
            side.start()
        print("sync-soak: first sync …", file=sys.stderr, flush=True)
        if not quiesce(a, b, timeout=120):
            print("sync-soak: the two sides never synced; see the syncthing.log files")
            return 1
        keys = sorted(p.name for p in (a.library / "papers").iterdir())
        print(f"sync-soak: editing for {minutes:g} min on both sides …", file=sys.stderr)
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            runs = [
                pool.submit(edit_for, shell, side, keys, minutes * 60, seed + i)
                for i, side in enumerate((a, b))
            ]
            edits = [r.result() for r in runs]
        print("sync-soak: quiescence …", file=sys.stderr, flush=True)
        synced = quiesce(a, b)
        made = conflict_copies(a.library) | conflict_copies(b.library)
        merged = 0
        for side in (a, b):
            result = shell.run(side.library, "conflicts", "--merge")
            merged += result.stdout.count("merged\t")
            quiesce(a, b)
        final = quiesce(a, b)
        left = conflict_copies(a.library) | conflict_copies(b.library)
        missing = lost(a.library, edits) + lost(b.library, edits)
        identical = tree(a.library) == tree(b.library)
    finally:
        for side in (a, b):
            side.stop()
    failed = [f for e in edits for f in e.failed]
    print()
    print("| edits | conflict copies made | merged | left | lost | folders identical |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {sum(e.done for e in edits)} | {len(made)} | {merged} | {len(left)} | "
        f"{len(missing)} | {'yes' if identical else 'no'} |"
    )
    for line in (missing + sorted(left) + failed)[:20]:
        print(f"  - {line}")
    if not (synced and final):
        print("  - the sides did not reach quiescence in time")
    return 0 if not missing and not left and identical and not failed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.torture.sync_soak")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--papers", type=int, default=6)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (to debug)")
    args = parser.parse_args(argv)
    if shutil.which("syncthing") is None:
        print("sync-soak: syncthing is not installed (make sync-soak installs it)")
        return 2
    if args.keep:
        args.keep.mkdir(parents=True)
        return soak(args.keep, args.minutes, args.papers, args.seed)
    with tempfile.TemporaryDirectory(prefix="papershelf-soak-") as tmp:
        return soak(Path(tmp), args.minutes, args.papers, args.seed)


if __name__ == "__main__":
    sys.exit(main())
