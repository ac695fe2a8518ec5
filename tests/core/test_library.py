"""The library folder: papers on disk, trash, tags, notes, damaged files, several writers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.errors import (
    DamagedFile,
    DuplicatePaper,
    EditConflict,
    InvalidValue,
    LibraryError,
    PaperNotFound,
)
from desktop_app.core.library import AddOutcome, Library
from desktop_app.core.paper import FetchState, Paper, Status

ROOT = Path(__file__).resolve().parents[2]


def _add(library: Library, ref: str, **values: object) -> Paper:
    paper = Paper.from_arxiv(parse(ref), title=f"Paper {ref}", **values)  # type: ignore[arg-type]
    return library.add(paper)


def _run(code: str, *args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=ROOT)


# -- the folder -----------------------------------------------------------------------------


def test_a_new_library_is_a_folder_of_plain_files(library_path: Path) -> None:
    library = Library.open(library_path)
    _add(library, "2504.05220v1", tags=["rag"])
    library.write_notes("2504.05220", "# Notes\nGood.")
    info = json.loads((library_path / "library.json").read_text(encoding="utf-8"))
    assert info == {"format": "papershelf-library", "version": 1}
    data = json.loads((library_path / "papers/2504.05220/paper.json").read_text("utf-8"))
    assert data["arxiv_id"] == "2504.05220" and data["arxiv_version"] == 1
    assert data["tags"] == ["rag"] and data["format_version"] == 1
    assert (library_path / "papers/2504.05220/notes.md").read_text("utf-8") == "# Notes\nGood.\n"
    # Old-style IDs: the slash becomes an underscore in the folder name.
    _add(library, "hep-th/9901001")
    assert (library_path / "papers/hep-th_9901001/paper.json").exists()
    assert library.get("arXiv:hep-th/9901001v2").key == "hep-th_9901001"


def test_open_refuses_what_is_not_a_library(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("x")
    with pytest.raises(LibraryError, match="docs: folder is not empty"):
        Library.open(tmp_path / "docs")
    (tmp_path / "newer").mkdir()
    (tmp_path / "newer" / "library.json").write_text(
        '{"format": "papershelf-library", "version": 99}'
    )
    with pytest.raises(LibraryError, match="library format 99 is newer"):
        Library.open(tmp_path / "newer")
    with pytest.raises(LibraryError, match="no Papershelf library here"):
        Library.open(tmp_path / "missing", create=False)


def test_papers_are_found_by_any_form_of_their_id(library: Library) -> None:
    _add(library, "2504.05220")
    for ref in ("2504.05220v3", "arXiv:2504.05220", "https://arxiv.org/pdf/2504.05220v1.pdf"):
        assert library.get(ref).key == "2504.05220"
    with pytest.raises(PaperNotFound, match=r"no paper '2504\.99999' in the library"):
        library.get("2504.99999")
    for sneaky in ("../library.json", ".", "..", "papers/../x", ""):
        with pytest.raises(PaperNotFound):
            library.get(sneaky)


def test_add_refuses_duplicates_and_add_arxiv_is_idempotent(library: Library) -> None:
    _add(library, "2504.05220")
    with pytest.raises(DuplicatePaper, match=r"2504\.05220(v2)? is already in the library"):
        _add(library, "2504.05220v2")
    paper, outcome = library.add_arxiv(parse("2504.05217v2"))
    assert outcome is AddOutcome.ADDED
    assert (paper.status, paper.metadata_state, paper.arxiv_version) == (
        Status.UNREAD,
        FetchState.PENDING,
        2,
    )
    library.set_status("2504.05217", "reading")
    paper, outcome = library.add_arxiv(parse("2504.05217"))
    assert outcome is AddOutcome.PRESENT and paper.status is Status.READING
    library.delete("2504.05217")
    paper, outcome = library.add_arxiv(parse("2504.05217"))
    assert outcome is AddOutcome.RESTORED and paper.status is Status.READING


# -- user data ------------------------------------------------------------------------------


def test_status_tags_rating_and_notes(library: Library) -> None:
    _add(library, "2504.05220", status=Status.NEW)
    assert library.set_status("2504.05220", "reading").started is not None
    library.add_tags("2504.05220", ["RAG ", "rag/eval", "rag"])
    assert library.get("2504.05220").tags == ["RAG", "rag/eval"]
    library.remove_tags("2504.05220", ["rag/EVAL"])
    assert library.get("2504.05220").tags == ["RAG"]
    library.set_rating("2504.05220", 4)
    with pytest.raises(InvalidValue):
        library.set_rating("2504.05220", 6)
    assert library.get("2504.05220").rating == 4

    library.append_notes("2504.05220", "first")
    library.append_notes("2504.05220", "second")
    assert library.read_notes("2504.05220") == "first\n\nsecond\n"
    library.write_notes("2504.05220", "replaced")
    assert library.read_notes("2504.05220") == "replaced\n"
    with pytest.raises(EditConflict, match=r"notes\.md: the notes changed"):
        library.write_notes("2504.05220", "mine", expected="what I started from\n")
    assert library.read_notes("2504.05220") == "replaced\n"
    library.write_notes("2504.05220", "  ")
    assert not library.notes_path("2504.05220").exists()


def test_rename_and_merge_a_tag_across_the_library(library: Library) -> None:
    _add(library, "2504.05220", tags=["rag", "rag/eval"])
    _add(library, "2504.05217", tags=["retrieval", "RAG"])
    _add(library, "2504.05216", tags=["other"])
    changed = library.rename_tag("rag", "retrieval")
    assert sorted(changed) == ["2504.05217", "2504.05220"]
    assert library.get("2504.05220").tags == ["retrieval", "retrieval/eval"]
    assert library.get("2504.05217").tags == ["retrieval"]
    assert library.get("2504.05216").tags == ["other"]
    assert library.tag_counts() == {"retrieval": 2, "retrieval/eval": 1, "other": 1}
    with pytest.raises(InvalidValue, match="is empty"):
        library.rename_tag("other", " / ")


def test_unknown_keys_survive_a_rewrite(library: Library) -> None:
    _add(library, "2504.05220")
    path = library.paper_dir("2504.05220") / "paper.json"
    data = json.loads(path.read_text("utf-8"))
    data["reading_goal"] = {"by": "2025-05-01", "why": "talk"}
    data["x-sync"] = [1, 2, 3]
    path.write_text(json.dumps(data), encoding="utf-8")
    library.add_tags("2504.05220", ["kept"])
    library.set_status("2504.05220", Status.READ)
    after = json.loads(path.read_text("utf-8"))
    assert after["reading_goal"] == {"by": "2025-05-01", "why": "talk"}
    assert after["x-sync"] == [1, 2, 3]
    assert after["tags"] == ["kept"]


def test_a_hand_edit_is_read_back(library: Library) -> None:
    _add(library, "2504.05220")
    path = library.paper_dir("2504.05220") / "paper.json"
    data = json.loads(path.read_text("utf-8"))
    data["title"] = "Edited in a text editor"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert library.get("2504.05220").title == "Edited in a text editor"


# -- damaged files --------------------------------------------------------------------------


def test_a_damaged_paper_is_reported_with_its_path_and_the_rest_works(
    library: Library,
) -> None:
    _add(library, "2504.05220")
    _add(library, "2504.05217")
    _add(library, "2504.05216")
    broken = library.paper_dir("2504.05217") / "paper.json"
    broken.write_text('{"key": "2504.05217", "title": "cut he', encoding="utf-8")
    wrong = library.paper_dir("2504.05216") / "paper.json"
    wrong.write_text('{"key": "2504.05216", "authors": "Ann"}', encoding="utf-8")
    (library.papers_dir / "2504.00001").mkdir()  # a folder without its paper.json
    (library.papers_dir / "2504.00001" / "notes.md").write_text("mine\n", encoding="utf-8")

    scan = library.scan()
    assert [p.key for p in scan.papers] == ["2504.05220"]
    messages = sorted(str(e) for e in scan.errors)
    assert len(messages) == 3
    assert any(str(broken) in m and "is not valid JSON" in m for m in messages)
    assert any(str(wrong) in m and "'authors' must be a list" in m for m in messages)
    assert any("2504.00001" in m and "is missing" in m for m in messages)
    with pytest.raises(DamagedFile) as info:
        library.get("2504.05217")
    assert info.value.path == broken
    library.add_tags("2504.05220", ["still works"])
    assert library.get("2504.05220").tags == ["still works"]
    assert broken.read_text(encoding="utf-8").endswith("cut he")  # left for the user to fix


# -- trash ----------------------------------------------------------------------------------


def test_delete_restore_and_empty_the_trash(library: Library) -> None:
    _add(library, "2504.05220", tags=["keep me"])
    library.write_notes("2504.05220", "my notes")
    library.delete("https://arxiv.org/abs/2504.05220")
    assert not library.exists("2504.05220")
    assert [p.key for p in library.trash()] == ["2504.05220"]
    paper = library.restore("arXiv:2504.05220v1")
    assert paper.tags == ["keep me"]
    assert library.read_notes("2504.05220") == "my notes\n"
    with pytest.raises(PaperNotFound, match="in the trash"):
        library.restore("2504.05220")

    library.delete("2504.05220")
    _add(library, "2504.05217")
    library.dismiss("2504.05217")
    assert library.was_dismissed("2504.05217") and library.was_dismissed("2504.05220")
    assert library.empty_trash() == 2
    assert library.trash() == []
    # A deleted paper is gone for good; a dismissed one is still remembered as dismissed.
    assert not library.was_dismissed("2504.05220")
    assert library.was_dismissed("2504.05217")
    assert library.empty_trash() == 0
    # Adding it on purpose brings it back and forgets the dismissal.
    _, outcome = library.add_arxiv(parse("2504.05217"))
    assert outcome is AddOutcome.ADDED
    assert not library.was_dismissed("2504.05217") or library.exists("2504.05217")


# -- several writers ------------------------------------------------------------------------


def test_a_batch_keeps_other_threads_out_until_it_ends(library: Library) -> None:
    _add(library, "2504.05220")
    order: list[str] = []

    def other_thread() -> None:
        library.add_tags("2504.05220", ["other"])
        order.append("other thread")

    with library.batch():
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(timeout=0.3)  # it waits for the lock
        _add(library, "2504.05217")  # the batch's own writes go on
        order.append("batch")
    thread.join(timeout=30)
    assert order == ["batch", "other thread"]
    assert library.get("2504.05220").tags == ["other"] and library.exists("2504.05217")


_TAGGER = """
import sys
from desktop_app.core.library import Library
library = Library.open(sys.argv[1])
for i in range(int(sys.argv[3])):
    library.add_tags("2504.05220", [f"{sys.argv[2]}-{i}"])
"""


def test_processes_writing_the_same_paper_lose_nothing(library: Library) -> None:
    _add(library, "2504.05220")
    writers, rounds = 4, 15
    procs = [_run(_TAGGER, str(library.root), f"w{w}", str(rounds)) for w in range(writers)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    tags = set(library.get("2504.05220").tags)
    assert tags == {f"w{w}-{i}" for w in range(writers) for i in range(rounds)}


_REWRITER = """
import sys
from pathlib import Path
from desktop_app.core.library import Library
library = Library.open(sys.argv[1])
big = "x" * 300_000
def change(paper, n):
    paper.abstract = f"{n}:" + big
    paper.extra["n"] = n
n = 0
while True:
    n += 1
    library.update("2504.05220", lambda p: change(p, n))
    if n == 2:
        Path(sys.argv[2]).touch()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_writer_killed_mid_write_leaves_a_whole_file(library: Library, tmp_path: Path) -> None:
    _add(library, "2504.05220")
    path = library.paper_dir("2504.05220") / "paper.json"
    for attempt in range(4):
        started = tmp_path / f"started-{attempt}"
        proc = _run(_REWRITER, str(library.root), str(started))
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.005 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        paper = library.get("2504.05220")  # whole JSON, a valid record
        n = paper.extra["n"]
        assert paper.abstract == f"{n}:" + "x" * 300_000
        assert json.loads(path.read_text("utf-8"))["n"] == n
    # The lock of a killed writer does not block the next one.
    library.add_tags("2504.05220", ["after the crash"])
    assert "after the crash" in library.get("2504.05220").tags


# -- what a killed run left ----------------------------------------------------------------


def _killed_write(folder: Path, name: str) -> Path:
    """The temp file an atomic write of ``name`` leaves when killed before its rename."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.write(fd, b'{"key": "half')
    os.close(fd)
    return Path(tmp)


def test_a_folder_left_by_a_killed_import_is_removed_and_the_users_files_never(
    library: Library,
) -> None:
    _add(library, "2504.05220")
    _killed_write(library.paper_dir("2504.05221"), "paper.json")  # killed mid-import
    (library.papers_dir / "2504.05222").mkdir()  # killed before its first write
    part = library.paper_dir("2504.05223") / ".2504.05223v1.pdf.part"
    part.parent.mkdir()
    part.write_bytes(b"%PDF-1.4 half")
    users = library.paper_dir("2504.05224")
    _killed_write(users, "paper.json")
    (users / "my-copy.pdf").write_bytes(b"%PDF-1.4 the user's")
    synced = library.paper_dir("2504.05225")  # a sync tool bringing the folder in
    synced.mkdir()
    (synced / ".syncthing.paper.json.tmp").write_bytes(b"{")

    scan = library.scan()
    assert [p.key for p in scan.papers] == ["2504.05220"]
    assert sorted(library.keys()) == ["2504.05220", "2504.05224", "2504.05225"]
    reported = sorted(Path(str(e.path)).parent.name for e in scan.errors)
    assert reported == ["2504.05224", "2504.05225"]  # reported, never removed
    assert (users / "my-copy.pdf").read_bytes() == b"%PDF-1.4 the user's"
    assert len(library.scan().errors) == 2


def test_a_leftover_folder_is_not_removed_while_another_program_holds_the_lock(
    library: Library,
) -> None:
    _killed_write(library.paper_dir("2504.05221"), "paper.json")
    holder = _run(
        "import sys, time; from filelock import FileLock\n"
        "with FileLock(sys.argv[1]):\n"
        "    open(sys.argv[2], 'w').close(); time.sleep(60)\n",
        str(library.root / ".papershelf.lock"),
        str(library.root / "held"),
    )
    try:
        deadline = time.monotonic() + 30
        while not (library.root / "held").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(library.scan().errors) == 1  # an import may be writing it: left alone
        assert library.paper_dir("2504.05221").is_dir()
    finally:
        holder.kill()
        holder.wait()
    assert library.scan().errors == []
    assert not library.paper_dir("2504.05221").exists()


def test_the_observers_are_told_of_a_batch_once_and_of_every_paper(library: Library) -> None:
    told: list[tuple[str, ...]] = []

    class OneByOne:  # an observer without papers_changed
        def paper_changed(self, library: Library, key: str) -> None:
            told.append(("changed", key))

        def paper_removed(self, library: Library, key: str) -> None:
            told.append(("removed", key))

    class AllAtOnce(OneByOne):
        def papers_changed(self, library: Library, changed: list[str], removed: list[str]) -> None:
            told.append(("all", *changed, "/", *removed))

    library.observers += [OneByOne(), AllAtOnce()]
    with library.notices_deferred():
        for ref in ("2504.05220", "2504.05217"):
            _add(library, ref)
        library.delete("2504.05217")
        assert told == []
    assert told == [
        ("changed", "2504.05220"),
        ("removed", "2504.05217"),
        ("all", "2504.05220", "/", "2504.05217"),
    ]
