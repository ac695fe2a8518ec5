"""annotations.json: the format, atomic writes, damaged files, tombstones, conflict merges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core import conflicts
from desktop_app.core.annotations import store
from desktop_app.core.annotations.model import (
    FORMAT,
    Annotation,
    AnnotationFile,
    Color,
    Kind,
)
from desktop_app.core.errors import DamagedFile, InvalidValue
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper


@pytest.fixture
def lib(library: Library) -> Library:
    library.add(Paper(key="2503.01234", arxiv_id="2503.01234", title="A paper"))
    return library


def _highlight(page: int = 2, text: str = "some words", **values: object) -> Annotation:
    return Annotation.new(
        Kind.HIGHLIGHT,
        page,
        quads=[(72.0, 720.0, 200.0, 720.0, 72.0, 708.0, 200.0, 708.0)],
        text=text,
        before="before ",
        after=" after",
        pdf_sha256="ab" * 32,
        **values,
    )


def test_the_file_has_the_versioned_format_of_the_issue(lib: Library) -> None:
    ann = _highlight(comment="**why** it matters", color=Color.GREEN)
    store.add(lib, "2503.01234", ann)
    data = json.loads((lib.paper_dir("2503.01234") / "annotations.json").read_text())
    assert data["format"] == FORMAT and data["version"] == 1
    (entry,) = data["annotations"]
    assert entry["id"] == ann.id and len(entry["id"]) == 36  # a UUID
    assert entry["kind"] == "highlight" and entry["color"] == "green" and entry["page"] == 2
    assert entry["quads"] == [[72.0, 720.0, 200.0, 720.0, 72.0, 708.0, 200.0, 708.0]]
    assert entry["pdf_sha256"] == "ab" * 32
    assert (entry["text"], entry["before"], entry["after"]) == ("some words", "before ", " after")
    assert entry["comment"] == "**why** it matters"
    assert entry["created"].endswith("Z") and entry["modified"] >= entry["created"]


def test_no_file_while_a_paper_has_no_annotation(lib: Library) -> None:
    assert store.live(lib, "2503.01234") == []
    assert not store.annotations_path(lib, "2503.01234").exists()


def test_edit_and_delete_leave_a_tombstone(lib: Library) -> None:
    a, b = _highlight(), _highlight(page=1, text="first")
    store.add_many(lib, "2503.01234", [a, b])
    assert [x.text for x in store.live(lib, "2503.01234")] == ["first", "some words"]
    before, edited = store.edit(lib, "2503.01234", a.id, color=Color.RED, comment="note")
    assert before == a and edited.color is Color.RED and edited.modified >= a.modified
    (gone,) = store.delete(lib, "2503.01234", [b.id])
    assert gone.text == "first"
    content = store.load(lib, "2503.01234")
    assert [x.id for x in content.live] == [a.id]
    tomb = content.get(b.id)
    assert tomb is not None and tomb.deleted and not tomb.text
    from desktop_app.core.annotations.undo import AnnotationUndo

    undone = AnnotationUndo("Delete", key="2503.01234", before=[gone]).undo(lib)
    assert undone.done == ["2503.01234"] and not undone.errors
    assert {x.text for x in store.live(lib, "2503.01234")} == {"first", "some words"}


def test_unknown_keys_survive_a_rewrite(lib: Library) -> None:
    path = store.annotations_path(lib, "2503.01234")
    entry = _highlight().to_dict() | {"future": {"x": 1}}
    path.write_text(
        json.dumps({"format": FORMAT, "version": 1, "sync": "v9", "annotations": [entry]})
    )
    store.edit(lib, "2503.01234", entry["id"], comment="c")
    data = json.loads(path.read_text())
    assert data["sync"] == "v9" and data["annotations"][0]["future"] == {"x": 1}


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"format": "something-else"}',
        '{"format": "papershelf-annotations", '
        '"version": 1, "annotations": [{"id": "x", "page": "two"}]}',
    ],
)
def test_a_damaged_file_is_named_and_never_overwritten(lib: Library, text: str) -> None:
    path = store.annotations_path(lib, "2503.01234")
    path.write_text(text)
    with pytest.raises(DamagedFile) as err:
        store.live(lib, "2503.01234")
    assert str(path) in str(err.value)
    with pytest.raises(DamagedFile):
        store.add(lib, "2503.01234", _highlight())
    assert path.read_text() == text


def test_a_newer_format_version_is_refused(lib: Library) -> None:
    path = store.annotations_path(lib, "2503.01234")
    path.write_text(json.dumps({"format": FORMAT, "version": 2, "annotations": []}))
    with pytest.raises(DamagedFile, match="newer"):
        store.load(lib, "2503.01234")


def test_editing_an_unknown_annotation_names_it(lib: Library) -> None:
    with pytest.raises(InvalidValue, match="no annotation 'nope'"):
        store.edit(lib, "2503.01234", "nope", comment="x")


def test_area_image_is_kept_beside(lib: Library) -> None:
    area = Annotation.new(Kind.AREA, 1, rect=(100.0, 400.0, 300.0, 600.0))
    store.add(lib, "2503.01234", area, image=b"\x89PNG fake")
    assert store.image_path(lib, "2503.01234", area.id).read_bytes() == b"\x89PNG fake"
    assert store.image_path(lib, "2503.01234", area.id).parent.name == "annotations"


def test_observers_hear_of_a_change(lib: Library) -> None:
    heard: list[str] = []

    class Obs:
        def paper_changed(self, library: Library, key: str) -> None:
            heard.append(key)

        def paper_removed(self, library: Library, key: str) -> None: ...

    lib.observers.append(Obs())
    store.add(lib, "2503.01234", _highlight())
    assert heard == ["2503.01234"]


def test_conflict_copies_of_annotations_merge_by_id(lib: Library, tmp_path: Path) -> None:
    key = "2503.01234"
    shared, mine_only, theirs_only, deleted_there = (_highlight(text=t) for t in "abcd")
    store.add_many(lib, key, [shared, mine_only, deleted_there])
    theirs = AnnotationFile([shared, theirs_only, deleted_there.tombstone()])
    store.edit(lib, key, shared.id, comment="mine, earlier")
    theirs.put(shared.edited(comment="theirs, later"))
    copy = lib.paper_dir(key) / "annotations.sync-conflict-20250407-093000-ABCDEF1.json"
    copy.write_text(json.dumps(theirs.to_dict()))
    (found,) = conflicts.find_conflicts(lib)
    assert found.copy_of is conflicts.CopyOf.ANNOTATIONS
    result = conflicts.merge_conflicts(lib, key)
    assert [c.name for c in result.merged] == [copy.name]
    live = {a.text: a for a in store.live(lib, key)}
    assert set(live) == {"a", "b", "c"}
    assert live["a"].comment == "theirs, later"
    assert not copy.exists()
    assert (lib.root / ".merged" / key / copy.name).exists()
    assert list((lib.root / ".merged" / key).glob("annotations.before-merge-*.json"))


def test_a_damaged_annotations_copy_is_left_and_reported(lib: Library) -> None:
    key = "2503.01234"
    store.add(lib, key, _highlight())
    copy = lib.paper_dir(key) / "annotations (conflicted copy 2025-04-07 093000).json"
    copy.write_text("{broken")
    result = conflicts.merge_conflicts(lib, key)
    assert result.merged == [] and [e.path for e in result.skipped] == [copy]
    assert copy.exists() and len(store.live(lib, key)) == 1


def test_open_links_round_trip() -> None:
    from desktop_app.core.annotations.markdown import OpenLink, open_link, parse_open_link

    link = open_link("hep-th_9901001", 3, "3f0c-11")
    assert link == "papershelf://open/hep-th_9901001?page=3&annotation=3f0c-11"
    assert parse_open_link(link) == OpenLink("hep-th_9901001", 3, "3f0c-11")
    assert parse_open_link("papershelf://open/2503.01234") == OpenLink("2503.01234")
    assert parse_open_link("https://arxiv.org/abs/2503.01234") is None
    assert parse_open_link("papershelf://open/a/b?page=x") is None


def test_a_paper_folder_linked_out_of_the_library_is_not_written(
    library: Library, tmp_path: Path
) -> None:
    from desktop_app.core.errors import LibraryError

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (library.papers_dir / "2503.01234").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "paper.json").write_text(
        json.dumps(Paper(key="2503.01234", arxiv_id="2503.01234").to_dict())
    )
    with pytest.raises(LibraryError, match="outside the library"):
        store.add(library, "2503.01234", _highlight())
    assert not (elsewhere / "annotations.json").exists()
