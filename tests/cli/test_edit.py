"""``tag``, ``tags``, ``tag-rename``, ``status``, ``keep``, ``dismiss``, ``rate``, ``note``, ``rm``,
``restore`` and ``trash`` end to end, on real library folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers.files import ROOT, SAMPLE_DIGEST
from tests.helpers.shelf import Shelf


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
