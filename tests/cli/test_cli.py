"""The ``papershelf`` library commands end to end, on real library folders.

Every command runs at least once as ``python -m desktop_app`` in a subprocess; the many other
checks call the same ``main()`` in this process, which is quicker.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli import main
from tests.helpers.files import ROOT, SAMPLE_DIGEST

PAPER_FIELDS = {
    "format", "format_version", "key", "arxiv_id", "arxiv_version", "title", "authors",
    "abstract", "categories", "published", "updated", "doi", "journal_ref", "comment",
    "source", "added", "status", "status_changed", "started", "finished", "tags", "rating",
    "last_page", "page_count", "pdf_file", "pdf_state", "pdf_error", "metadata_state",
    "metadata_error", "latest_version", "citation_key", "edited", "notes",
}  # fmt: skip


class Shelf:
    """Runs papershelf on one library, as a user would from a shell.

    Calls run ``desktop_app.cli.main`` in this process (fast); :meth:`sub` runs
    ``python -m desktop_app`` in a subprocess, as the user does (every command is run that
    way at least once, in test_every_command_through_a_subprocess).
    """

    def __init__(self, library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.library = library
        self.monkeypatch = monkeypatch
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100")
        self.env.pop("PAPERSHELF_LIBRARY", None)

    def argv(self, *args: str) -> list[str]:
        # --offline: no test reaches arXiv (adding and keeping then queue the fetches).
        return ["--library", str(self.library), "--offline", *args]

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "desktop_app", *self.argv(*args)]

    def __call__(
        self, *args: str, code: int = 0, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        out, err = io.StringIO(), io.StringIO()
        with self.monkeypatch.context() as m:
            for name, value in (env or {}).items():
                m.setenv(name, value)
            m.setattr(sys, "stdin", io.StringIO(stdin or ""))
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    returncode = main(self.argv(*args))
                except SystemExit as e:  # argparse: bad usage
                    returncode = int(e.code or 0)
        result = subprocess.CompletedProcess(args, returncode, out.getvalue(), err.getvalue())
        return self._check(result, code)

    def sub(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=60,
        )
        return self._check(result, code)

    @staticmethod
    def _check(
        result: subprocess.CompletedProcess[str], code: int
    ) -> subprocess.CompletedProcess[str]:
        assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
        if code == 1:  # a user error: one line on stderr, naming the problem
            lines = result.stderr.strip().splitlines()
            assert lines and all(line.startswith("papershelf: error: ") for line in lines)
        if code == 0:
            assert "Traceback" not in result.stderr
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def shelf(library_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shelf:
    monkeypatch.setenv("COLUMNS", "100")
    return Shelf(library_path, monkeypatch)


@pytest.fixture
def imported(shelf: Shelf) -> Shelf:
    shelf("import-digest", str(SAMPLE_DIGEST))
    return shelf


def test_import_the_sample_digest_and_list_it(shelf: Shelf) -> None:
    out = shelf("import-digest", str(SAMPLE_DIGEST)).stdout
    assert out.splitlines()[0] == (
        "sample-digest.md: 33 added, 0 already present, 0 updated, 0 dismissed before, 0 skipped"
    )
    lines = shelf("list").stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "YEAR", "TITLE"]
    assert lines[-1] == "33 papers"
    rows = lines[1:-1]
    assert len(rows) == 33
    # Aligned: every title starts in the column of the TITLE header.
    title_at = lines[0].index("TITLE")
    assert all(row[title_at - 2 : title_at] == "  " and row[title_at] != " " for row in rows)
    assert any("Leveraging LLMs for Utility-Focused Annotation" in row for row in rows)
    assert all(row.split()[1:3] == ["new", "2025"] for row in rows)

    again = shelf("import-digest", str(SAMPLE_DIGEST)).stdout
    assert "0 added, 33 already present" in again


def test_every_command_through_a_subprocess(shelf: Shelf, tmp_path: Path) -> None:
    """The real program, each library command once, as a shell user runs it."""
    run = shelf.sub
    out = run("import-digest", str(SAMPLE_DIGEST)).stdout
    assert out.startswith("sample-digest.md: 33 added")
    added = run("add", "https://arxiv.org/abs/2504.05220v1", "arXiv:hep-th/9901001").stdout
    assert "hep-th/9901001" in added and "2504.05220" in added
    assert run("list").stdout.splitlines()[-1] == "34 papers"
    assert run("inbox").stdout.splitlines()[-1].startswith("33 papers to triage")
    assert "Leveraging LLMs" in run("show", "2504.05220").stdout
    assert run("tag", "2504.05220", "--add", "rag", "--add", "eval").stdout == (
        "2504.05220  tags: rag, eval\n"
    )
    assert run("tags").stdout == "1  eval\n1  rag\n"
    run("tag-rename", "eval", "rag/eval")
    assert run("status", "2504.05220", "reading").stdout.startswith("2504.05220  reading")
    assert run("keep", "2504.05217").stdout.startswith("kept 2504.05217 (unread")
    assert run("dismiss", "2504.05216").stdout.startswith("dismissed 2504.05216")
    assert run("rate", "2504.05220", "5").stdout == "2504.05220  ★★★★★ (5/5)\n"
    run("note", "2504.05220", "--set", "Read section 3.")
    assert run("rm", "2504.05181").stdout.startswith("moved 2504.05181 to the trash")
    assert run("trash").stdout.splitlines()[-1].startswith("2 papers in the trash")
    assert run("restore", "2504.05181").stdout == "restored 2504.05181 (new)\n"
    paper = json.loads(run("show", "2504.05220", "--json").stdout)
    assert paper["tags"] == ["rag", "rag/eval"] and paper["notes"] == "Read section 3.\n"
    assert paper["status"] == "reading" and paper["rating"] == 5
    error = run("show", "2504.99999", code=1)
    assert error.stderr == (
        f"papershelf: error: no paper '2504.99999' in the library {shelf.library}\n"
    )
    assert "usage:" in run("rate", "2504.05220", code=2).stderr


def test_import_reports_bad_files_and_skipped_entries(shelf: Shelf, tmp_path: Path) -> None:
    digest = tmp_path / "mixed.md"
    digest.write_text(
        "# Good\n\n**Link**: https://arxiv.org/abs/2504.05220\n\n---\n"
        "# Bad\n\n**Link**: [PDF](https://example.org/x.pdf)\n",
        encoding="utf-8",
    )
    result = shelf("import-digest", str(tmp_path / "nope.md"), str(digest), code=1)
    assert result.stderr.strip() == f"papershelf: error: {tmp_path / 'nope.md'}: no such file"
    assert "mixed.md: 1 added" in result.stdout and "1 skipped" in result.stdout
    assert "  skipped line 6: 'https://example.org/x.pdf' is not an arXiv identifier" in (
        result.stdout
    )
    report = shelf.json("import-digest", str(digest), "--status", "unread")
    assert report == [
        {
            "source": "mixed.md",
            "added": [],
            "present": ["2504.05220"],
            "updated": [],
            "dismissed": [],
            "skipped": [
                {
                    "line": 6,
                    "reason": "'https://example.org/x.pdf' is not an arXiv identifier "
                    "(expected e.g. 2504.05220, hep-th/9901001 or an arxiv.org link)",
                    "title": "Bad",
                }
            ],
        }
    ]
    shelf("import-digest", str(digest), "--status", "reading", code=2)


def test_list_filters_sorts_and_prints_json(imported: Shelf) -> None:
    imported("tag", "2504.05220", "2504.04386", "--add", "rag/eval")
    imported("tag", "2504.05217", "--add", "RAG")
    imported("status", "2504.04386", "reading")
    imported("note", "2504.05220", "--set", "Worth a re-read.")

    papers = imported.json("list")
    assert isinstance(papers, list) and len(papers) == 33
    assert all(set(p) == PAPER_FIELDS for p in papers)
    first = next(p for p in papers if p["key"] == "2504.05220")
    assert first["notes"] == "Worth a re-read.\n" and first["tags"] == ["rag/eval"]

    reading = imported.json("list", "--status", "reading")
    assert [p["key"] for p in reading] == ["2504.04386"]
    tagged = imported.json("list", "--tag", "rag")  # rag and what is below it
    assert sorted(p["key"] for p in tagged) == ["2504.04386", "2504.05217", "2504.05220"]

    titles = [p["title"] for p in imported.json("list", "--sort", "title")]
    assert titles == sorted(titles, key=str.casefold)
    backwards = [p["title"] for p in imported.json("list", "--sort", "title", "--reverse")]
    assert backwards == titles[::-1]
    assert len(imported.json("list", "--sort", "year")) == 33
    assert "[rag/eval]" in imported("list", "--tag", "rag/eval").stdout
    assert imported("list", "--status", "read").stdout == "No papers match.\n"
    imported("list", "--sort", "rating", code=2)


def test_show_in_text_and_json(imported: Shelf) -> None:
    out = imported("show", "https://arxiv.org/pdf/2504.04386v1.pdf").stdout
    lines = out.splitlines()
    assert lines[0] == (
        "Decoding Recommendation Behaviors of In-Context Learning LLMs Through Gradient Descent"
    )
    assert "  arXiv" in out and "https://arxiv.org/abs/2504.04386" in out
    assert "Yi Xu, Weicong Qin, Weijie Yu, Ming He, Jianping Fan, Jun Xu" in out
    assert "new (in the inbox)" in out and "not fetched" in out and "sample-digest.md" in out
    assert "\nAbstract\n" in out and "practical module design." in out
    labels = [line[:13] for line in lines[1:8]]
    assert all(label.startswith("  ") for label in labels)
    assert len({line.index(line.split(maxsplit=1)[1]) for line in lines[1:8]}) == 1  # aligned

    paper = imported.json("show", "arXiv:2504.04386")
    assert isinstance(paper, dict) and set(paper) == PAPER_FIELDS
    assert paper["abstract"].count("\n") == 2 and paper["status"] == "new"
    imported("show", "2504.99999", code=1)
    imported("show", code=2)


def test_add_by_id_link_doi_or_pasted_text(shelf: Shelf) -> None:
    out = shelf("add", "https://arxiv.org/abs/2504.05220v2", "10.48550/arXiv.hep-th/9901001").stdout
    assert "added" in out and "2504.05220v2" in out and "hep-th/9901001" in out
    papers = {p["key"]: p for p in shelf.json("list")}  # type: ignore[union-attr]
    assert set(papers) == {"2504.05220", "hep-th_9901001"}
    assert papers["2504.05220"]["status"] == "unread"
    assert papers["2504.05220"]["metadata_state"] == "pending"
    pasted = shelf("add", "see arXiv:2504.05217 and 2504.05220 please").stdout
    assert "added" in pasted and "present" in pasted
    bad = shelf("add", "2504.05216", "2513.00001", code=1)
    assert bad.stderr.strip() == (
        "papershelf: error: '2513.00001' is not an arXiv identifier: month 13"
    )
    assert "2504.05216" in bad.stdout  # the good one is added all the same
    assert len(shelf.json("list")) == 4  # type: ignore[arg-type]


def test_tags(imported: Shelf) -> None:
    out = imported(
        "tag",
        "2504.05220",
        "arXiv:2504.05217",
        "--add",
        " rag ",
        "--add",
        "to-read",
        "--add",
        "RAG",
    ).stdout
    assert out.splitlines() == [
        "2504.05220  tags: rag, to-read",
        "2504.05217  tags: rag, to-read",
    ]
    assert imported("tag", "2504.05217", "--remove", "to-read").stdout == (
        "2504.05217  tags: rag\n"
    )
    imported("tag", "2504.05217", code=2)  # nothing to do: bad usage
    imported("tag", "2504.99999", "--add", "x", code=1)
    imported("tag", "2504.05220", "--add", "rag/eval")
    assert imported("tags").stdout == "2  rag\n1  rag/eval\n1  to-read\n"
    assert imported.json("tags") == [
        {"tag": "rag", "count": 2},
        {"tag": "rag/eval", "count": 1},
        {"tag": "to-read", "count": 1},
    ]
    out = imported("tag-rename", "rag", "Retrieval").stdout
    assert out == "Renamed the tag 'rag' to 'Retrieval' on 2 papers.\n"
    assert imported("tags").stdout == "2  Retrieval\n1  Retrieval/eval\n1  to-read\n"
    imported("tag-rename", "to-read", "retrieval")  # merges
    assert imported("tags").stdout == "2  Retrieval\n1  Retrieval/eval\n"
    result = imported("tag-rename", "nothing", "x", code=1)
    assert "no paper has the tag 'nothing'" in result.stderr


def test_status_inbox_keep_dismiss_and_rate(imported: Shelf) -> None:
    out = imported("status", "2504.05220", "2504.05217", "reading").stdout
    assert out.splitlines()[0].startswith("2504.05220  reading, since ")
    assert "2504.05217  reading" in out
    imported("status", "2504.05220", "done", code=2)
    assert "read on " in imported("status", "2504.05220", "read").stdout

    inbox = imported("inbox").stdout.splitlines()
    assert len(inbox) == 1 + 31 + 1
    assert inbox[-1].startswith("31 papers to triage")
    assert imported("keep", "2504.05216", "2504.05220").stdout.splitlines() == [
        "kept 2504.05216 (unread, PDF queued)",
        "2504.05220 is not in the inbox (read): unchanged",
    ]
    dismissed = imported("dismiss", "2504.05181", "2504.05146").stdout
    assert "dismissed 2504.05181" in dismissed and "dismissed 2504.05146" in dismissed
    assert len(imported.json("inbox")) == 28  # type: ignore[arg-type]
    assert "2 dismissed before" in imported("import-digest", str(SAMPLE_DIGEST)).stdout

    assert imported("rate", "2504.05220", "4").stdout == "2504.05220  ★★★★☆ (4/5)\n"
    result = imported("rate", "2504.05220", "7", code=1)
    assert result.stderr == "papershelf: error: rating 7 is out of range (0 to 5)\n"
    imported("rate", "2504.05220", "four", code=2)
    assert imported.json("show", "2504.05220")["rating"] == 4  # type: ignore[index]


def test_notes(imported: Shelf, tmp_path: Path) -> None:
    imported("note", "2504.05220", "--set", "First thought.")
    imported("note", "2504.05220", "--append", "-", stdin="Second thought.\n")
    assert imported("note", "2504.05220").stdout == "First thought.\n\nSecond thought.\n"
    assert "\nNotes\n  First thought." in imported("show", "2504.05220").stdout
    imported("note", "2504.05220", "--set", "a", "--append", "b", code=2)

    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\nwith open(sys.argv[1], 'a', encoding='utf-8') as f:\n"
        "    f.write('Edited in the editor.\\n')\n",
        encoding="utf-8",
    )
    env = {"VISUAL": "", "EDITOR": f"{sys.executable} {editor}"}
    out = imported("note", "2504.05220", "--edit", env=env).stdout
    assert out == "Saved the notes of 2504.05220.\n"
    assert imported("note", "2504.05220").stdout.endswith(
        "Second thought.\nEdited in the editor.\n"
    )
    failing = {"VISUAL": "", "EDITOR": f"{sys.executable} -c 'raise SystemExit(3)'"}
    result = imported("note", "2504.05220", "--edit", env=failing, code=1)
    assert "exited with status 3; notes unchanged" in result.stderr
    imported("note", "2504.05220", "--set", "")
    assert imported("note", "2504.05220").stdout == ""


def test_rm_restore_and_the_trash(imported: Shelf) -> None:
    imported("tag", "2504.05220", "--add", "keep me")
    out = imported("rm", "2504.05220", "2504.05217").stdout
    assert "moved 2504.05220 to the trash" in out
    imported("show", "2504.05220", code=1)
    imported("dismiss", "2504.05216")
    trash = imported("trash").stdout.splitlines()
    assert trash[0].split() == ["ID", "HOW", "TITLE"]
    assert [line.split()[:2] for line in trash[1:4]] == [
        ["2504.05216", "dismissed"],
        ["2504.05217", "deleted"],
        ["2504.05220", "deleted"],
    ]
    assert trash[-1].startswith("3 papers in the trash")
    assert len(imported.json("trash")) == 3  # type: ignore[arg-type]
    assert imported("restore", "arXiv:2504.05220v1").stdout == "restored 2504.05220 (new)\n"
    assert imported.json("show", "2504.05220")["tags"] == ["keep me"]  # type: ignore[index]
    imported("restore", "2504.05220", code=1)
    assert imported("trash", "--empty").stdout == (
        "Emptied the trash: 2 papers removed for good.\n"
    )
    assert imported("trash").stdout == "The trash is empty.\n"
    out = imported("import-digest", str(SAMPLE_DIGEST)).stdout
    assert "1 added" in out and "1 dismissed before" in out  # 2504.05217 was only deleted


def test_a_damaged_paper_is_reported_while_the_rest_lists(imported: Shelf) -> None:
    broken = imported.library / "papers" / "2504.05220" / "paper.json"
    broken.write_text("{not json", encoding="utf-8")
    result = imported("list")
    assert f"papershelf: warning: {broken}: is not valid JSON" in result.stderr
    assert result.stdout.splitlines()[-1] == "32 papers"
    assert len(imported.json("list")) == 32  # type: ignore[arg-type]
    shown = imported("show", "2504.05220", code=1)
    assert str(broken) in shown.stderr


def test_errors_and_usage(shelf: Shelf, tmp_path: Path) -> None:
    assert "import-digest" in shelf("--help").stdout
    result = shelf("frobnicate", code=2)
    assert "invalid choice: 'frobnicate'" in result.stderr
    shelf("status", "2504.05220", code=2)
    not_a_library = tmp_path / "thesis"
    not_a_library.mkdir()
    (not_a_library / "chapter1.tex").write_text("x", encoding="utf-8")
    other = Shelf(not_a_library, shelf.monkeypatch)
    result = other("list", code=1)
    assert result.stderr == (
        f"papershelf: error: {not_a_library}: folder is not empty and holds no Papershelf library\n"
    )
    assert shelf("list").stdout == "No papers.\n"
    assert shelf("inbox").stdout == "The inbox is empty.\n"
    assert shelf("tags").stdout == "No tags.\n"


def test_the_library_comes_from_the_environment(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PAPERSHELF_LIBRARY=str(tmp_path / "envlib"))
    subprocess.run(
        [sys.executable, "-m", "desktop_app", "--offline", "add", "2504.05220"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert (tmp_path / "envlib" / "papers" / "2504.05220" / "paper.json").exists()


def test_concurrent_commands_lose_no_tag(imported: Shelf) -> None:
    procs = [
        subprocess.Popen(
            imported.command("tag", "2504.05220", "--add", f"t{i}"),
            env=imported.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        for i in range(6)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0] * 6
    tags = imported.json("show", "2504.05220")["tags"]  # type: ignore[index]
    assert sorted(tags) == [f"t{i}" for i in range(6)]


def test_a_closed_pipe_is_not_an_error(imported: Shelf) -> None:
    cmd = " ".join(f"'{part}'" for part in imported.command("list")) + " | head -n 1"
    result = subprocess.run(
        ["sh", "-c", cmd], capture_output=True, text=True, env=imported.env, cwd=ROOT
    )
    assert result.stdout.split() == ["ID", "STATUS", "YEAR", "TITLE"]
    assert result.stderr == ""
