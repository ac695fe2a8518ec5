"""Kept exports: recorded per machine, rewritten only when their content changed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.errors import InvalidValue
from desktop_app.core.interop import kept_exports
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.core.search.whoosh.index import WhooshIndex


def _paper(aid: str, title: str, tags: list[str]) -> Paper:
    return Paper.from_arxiv(parse(aid), title=title, authors=["Hengran Zhang"], tags=tags)


def test_kept_exports_live_in_the_settings_folder_by_library(
    library: Library, tmp_path: Path
) -> None:
    out = tmp_path / "refs.bib"
    kept = kept_exports.keep(library, out, "bibtex", "tag:rag")
    assert kept_exports.kept_exports_path().parent == Path(os.environ["PAPERSHELF_CONFIG_DIR"])
    assert kept_exports.kept_exports(library) == [kept]
    assert kept_exports.kept_exports(Library.open(tmp_path / "other")) == []
    # Keeping the same file again replaces its record; another file is another record.
    again = kept_exports.keep(library, out, "biblatex")
    other = kept_exports.keep(library, tmp_path / "all.csv", "csv")
    assert kept_exports.kept_exports(library) == [again, other]
    assert kept_exports.stop(out) == again and kept_exports.kept_exports() == [other]
    assert kept_exports.stop(out) is None
    assert not (library.root / kept_exports.KEPT_EXPORTS_FILE).exists()  # not in the library


def test_a_record_that_cannot_be_read_is_kept_in_the_file(library: Library, tmp_path: Path) -> None:
    path = kept_exports.kept_exports_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    odd = {"path": "x.bib", "format": "docx"}
    path.write_text(json.dumps({"exports": [odd]}), encoding="utf-8")
    kept = kept_exports.keep(library, tmp_path / "refs.bib", "bibtex")
    assert kept_exports.kept_exports() == [kept]
    assert odd in json.loads(path.read_text(encoding="utf-8"))["exports"]
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidValue, match=r"kept-exports\.json"):
        kept_exports.kept_exports()
    assert kept_exports.refresh(library, None) == []  # the app goes on without them


def test_a_file_is_rewritten_only_when_its_content_changes(
    library: Library, tmp_path: Path
) -> None:
    library.add(_paper("2504.05220v1", "Leveraging LLMs", ["rag"]))
    library.add(_paper("2504.05217v1", "Live-Streaming Recommendation", ["recsys"]))
    out = tmp_path / "refs.bib"
    index = WhooshIndex(library, observe=True)
    try:
        kept_exports.keep(library, out, "bibtex", "tag:rag")
        (first,) = kept_exports.refresh(library, index)
        assert first.written and first.papers == 1 and first.error is None
        text = out.read_text(encoding="utf-8")
        assert "Leveraging" in text and "Live-Streaming" not in text
        inode = out.stat().st_ino
        (same,) = kept_exports.refresh(library, index)
        assert not same.written and out.stat().st_ino == inode  # untouched
        library.update("2504.05217", lambda p: p.add_tags(["rag"]))  # now it matches
        (grown,) = kept_exports.refresh(library, index)
        assert grown.written and grown.papers == 2
        assert "Live-Streaming" in out.read_text(encoding="utf-8")
        library.update("2504.05220", lambda p: p.remove_tags(["rag"]))  # no longer matches
        kept_exports.refresh(library, index)
        assert "Leveraging" not in out.read_text(encoding="utf-8")
    finally:
        index.close()


def test_a_file_that_cannot_be_written_is_reported(library: Library, tmp_path: Path) -> None:
    library.add(_paper("2504.05220v1", "Leveraging LLMs", ["rag"]))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    kept_exports.keep(library, blocker / "refs.bib", "bibtex")
    (result,) = kept_exports.refresh(library, None)
    assert not result.written and result.error and "refs.bib: not updated" in result.error
