"""The hostile-input corpus of issue #19: each file or argument that once crashed, hung, ate
the memory or misfiled a PDF, run through the real command line.

A case passes when the command ends within the hang limit with exit 0 or one clear line
(exit 1 or 2), the library stays whole, and what the case checks besides holds.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.helpers.pdfgen import write_pdf
from tests.torture.harness import Result, Row, Shell, Timer, audit, make_papers, write_digest_file

#: A case: runs its commands; returns what went wrong besides crashes (empty: nothing).
Case = Callable[[Shell, Path, Path], tuple[list[Result], list[str]]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        CASES[name] = fn
        return fn

    return register


def _digest_entry(title: str, link: str = "https://arxiv.org/abs/2504.05220") -> str:
    return f"# {title}\n\n**Authors**: A. Author\n\n**Link**: [PDF]({link})\n\n---\n"


@case("digest title of 20,000 '[' then 20,000 '](' (D8)")
def _brackets(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    path = work / "brackets.md"
    path.write_text(_digest_entry("[" * 20_000 + "](" * 20_000))
    return [shell.run(lib, "import-digest", str(path))], []


@case("a 1 MB digest line of brackets (D8)")
def _long_line(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    path = work / "line.md"
    path.write_text(_digest_entry("[](" * 350_000))
    return [shell.run(lib, "import-digest", str(path))], []


@case("BibTeX of 39 doubling @string macros (D9)")
def _strings(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    lines = ['@string{s0 = "xx"}']
    lines += [f"@string{{s{n} = s{n - 1} # s{n - 1}}}" for n in range(1, 40)]
    lines.append("@article{bomb, title = s39, eprint = {2504.05220}}")
    path = work / "strings.bib"
    path.write_text("\n".join(lines) + "\n")
    return [shell.run(lib, "import-bibtex", str(path))], []


@case("BibTeX field of 5,000 nested braces (D14)")
def _braces(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    path = work / "braces.bib"
    deep = "{" * 5000 + "x" + "}" * 5000
    good = "@article{good, title = {A good entry}, eprint = {2504.05217}}\n"
    path.write_text(f"@article{{deep, title = {deep}, eprint = {{2504.05220}}}}\n{good}")
    results = [shell.run(lib, "import-bibtex", str(path))]
    listed = shell.run(lib, "list", "--json")
    results.append(listed)
    wrong = []
    if listed.returncode == 0 and "2504.05217" not in listed.stdout:
        wrong.append("the good entry after the deep one was not imported")
    return results, wrong


@case("versions of 300 and 5,000 digits (D12)")
def _versions(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    path = work / "versions.md"
    path.write_text(
        _digest_entry("Long version", "https://arxiv.org/abs/2504.05211v" + "9" * 5000)
        + _digest_entry("Mid version", "https://arxiv.org/abs/2504.05212v" + "9" * 300)
        + _digest_entry("Fine", "https://arxiv.org/abs/2504.05213v2")
    )
    results = [shell.run(lib, "import-digest", str(path))]
    results.append(shell.run(lib, "fetch"))
    listed = shell.run(lib, "list", "--json")
    results.append(listed)
    wrong = []
    if listed.returncode == 0 and "2504.05213" not in listed.stdout:
        wrong.append("the good entry of the file was not imported")
    return results, wrong


@case("a reference of 300 bytes to 10 commands (D13)")
def _long_ref(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    ref = "x" * 300
    commands = [
        ("show", ref),
        ("tag", ref, "--add", "a"),
        ("status", ref, "read"),
        ("note", ref),
        ("rate", ref, "3"),
        ("rm", ref),
        ("restore", ref),
        ("open", ref),
        ("add", ref),
        ("related", ref),
    ]
    return [shell.run(lib, *c) for c in commands], []


@case("/dev/zero given to import-digest, import-bibtex and attach")
def _endless(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    results = [
        shell.run(lib, "import-digest", "/dev/zero", timeout=30),
        shell.run(lib, "import-bibtex", "/dev/zero", timeout=30),
        shell.run(lib, "import-csv", "/dev/zero", timeout=30),
        shell.run(lib, "attach", "2504.05220", "/dev/zero", timeout=30),
    ]
    return results, []


@case("titles holding terminal escape sequences (D18)")
def _escapes(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    path = work / "escapes.md"
    path.write_text(_digest_entry("Evil \x1b]0;owned\x07 title \x1b[2J cleared", "2504.05299"))
    results = [shell.run(lib, "import-digest", str(path))]
    shown = [shell.run(lib, "list"), shell.run(lib, "show", "2504.05299")]
    wrong = [f"{r.stdout[:60]!r}: escape printed" for r in shown if "\x1b" in r.stdout]
    return results + shown, wrong


@case("a PDF whose file name holds a newline (D1)")
def _newline_pdf(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    rng = random.Random(3)
    papers = make_papers(rng, 3, first=700, yymm="2506")
    digest = write_digest_file(work / "newline.md", papers)
    results = [shell.run(lib, "import-digest", str(digest))]
    words = ["zanzibarwords", "quokkawords", "xylophonewords"]
    names = ["odd\nname.pdf", "plain.pdf", "other.pdf"]
    for paper, word, name in zip(papers, words, names, strict=True):
        pdf = write_pdf(work / name, [f"{word} " * 40])
        results.append(shell.run(lib, "attach", paper.key, str(pdf)))
    wrong = []
    for paper, word in zip(papers, words, strict=True):
        found = shell.run(lib, "search", word, "--json")
        results.append(found)
        if found.returncode == 0:
            keys = [hit["key"] for hit in json.loads(found.stdout)["hits"]]
            if keys != [paper.key]:
                wrong.append(f"{word!r} found on {keys}, belongs to {paper.key}")
    return results, wrong


@case("paper.json holding Infinity, 1e400 or deep nesting (D2)")
def _records(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    rng = random.Random(4)
    papers = make_papers(rng, 4, first=800, yymm="2506")
    results = [shell.run(lib, "import-digest", str(write_digest_file(work / "rec.md", papers)))]
    members = ['"rating": Infinity', '"last_page": 1e400', '"x": ' + "[" * 3000 + "]" * 3000]
    originals = {}
    for paper, member in zip(papers[:3], members, strict=True):
        record = lib / "papers" / paper.key / "paper.json"
        originals[record] = text = record.read_text()
        record.write_text(text.rstrip()[:-1] + ", " + member + "}")
    listed = shell.run(lib, "list", "--json")
    results.append(listed)
    for args in (("search", "retrieval"), ("export", "bibtex"), ("stats",), ("duplicates",)):
        results.append(shell.run(lib, *args))
    wrong = []
    if listed.returncode == 0 and papers[3].key not in listed.stdout:
        wrong.append("a good paper is missing from the list")
    for record, text in originals.items():  # the case's damage, undone for the next cases
        record.write_text(text)
    return results, wrong


@case("notes.md in cp1252 (D3)")
def _cp1252(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    key = next(p.name for p in sorted((lib / "papers").iterdir()) if (p / "paper.json").exists())
    notes = lib / "papers" / key / "notes.md"
    notes.write_bytes("Caf\xe9 notes".encode("cp1252"))
    results = [shell.run(lib, "export", f, "--notes") for f in ("bibtex", "biblatex")]
    results += [shell.run(lib, "export", f) for f in ("csv", "reading-list")]
    results += [shell.run(lib, "show", key), shell.run(lib, "note", key)]
    wrong = [] if notes.read_bytes() == "Caf\xe9 notes".encode("cp1252") else ["notes rewritten"]
    notes.write_text("Café notes\n", encoding="utf-8")  # the audit after each case reads UTF-8
    return results, wrong


@case("a paper folder linked out of the library (D16, D17)")
def _symlink(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    key = next(p.name for p in sorted((lib / "papers").iterdir()) if (p / "paper.json").exists())
    outside = work / "outside" / key
    outside.parent.mkdir(exist_ok=True)
    shutil.move(lib / "papers" / key, outside)
    (lib / "papers" / key).symlink_to(outside, target_is_directory=True)
    before = {p.name: p.read_bytes() for p in outside.iterdir()}
    results = [
        shell.run(lib, "tag", key, "--add", "evil"),
        shell.run(lib, "note", key, "--append", "evil"),
        shell.run(lib, "rm", key),
        shell.run(lib, "trash", "--empty"),
    ]
    after = {p.name: p.read_bytes() for p in outside.iterdir()} if outside.exists() else {}
    return results, [] if after == before else ["a file outside the library was changed"]


@case("library.json with a version that is a string, NaN or a list (D20)")
def _marker(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    other = work / "marker-lib"
    other.mkdir()
    (other / "papers").mkdir()
    results = []
    for version in ('"x"', "NaN", "[1]"):
        (other / "library.json").write_text(
            '{"format": "papershelf-library", "version": ' + version + "}"
        )
        results.append(shell.run(other, "list"))
    return results, []


@case("index files overwritten with same-size garbage (D6)")
def _garbage_index(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    results = [shell.run(lib, "search", "retrieval")]
    cache = Path(shell.env["XDG_CACHE_HOME"])
    rng = random.Random(6)
    for path in cache.rglob("*"):
        if path.is_file() and (
            path.suffix in (".seg", ".toc", ".pst", ".trm") or "MAIN" in path.name
        ):
            path.write_bytes(rng.randbytes(path.stat().st_size))
    results += [shell.run(lib, "search", "retrieval"), shell.run(lib, "search", "retrieval")]
    return results, []


@case("papershelf with no command and no display")
def _no_display(shell: Shell, work: Path, lib: Path) -> tuple[list[Result], list[str]]:
    env = {k: v for k, v in shell.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--library", str(lib)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return [Result(done.returncode, done.stdout, done.stderr)], []


def hostile(work: Path) -> Row:
    row = Row("hostile inputs")
    shell = Shell(work)
    lib = work / "hostile"
    rng = random.Random(1)
    seed_digest = write_digest_file(work / "hostile-seed.md", make_papers(rng, 10, yymm="2507"))
    shell.run(lib, "import-digest", str(seed_digest))
    with Timer() as t:
        for name, fn in CASES.items():
            results, wrong = fn(shell, work, lib)
            for result in results:
                row.trials += 1
                if result.hung:
                    row.hangs += 1
                    row.problem(f"{name}: hung")
                elif result.traceback or result.returncode not in (0, 1, 2):
                    row.tracebacks += 1
                    tail = result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"]
                    row.problem(f"{name}: {tail[0][:200]}")
            for w in wrong:
                row.corrupt += 1
                row.problem(f"{name}: {w}")
            for bad in audit(lib):
                row.corrupt += 1
                row.problem(f"{name}: {bad}")
    row.seconds = t.seconds
    return row
