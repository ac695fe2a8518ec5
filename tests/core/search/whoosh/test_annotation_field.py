"""Annotations in the papers index: found as free text and with ``annotation:``, shown as
snippets naming their page, counted per paper; a change never reads the PDF again."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.annotations import ops, store
from desktop_app.core.library import Library
from desktop_app.core.pdf.text import PdfText
from desktop_app.core.search.whoosh.documents import prepare
from desktop_app.core.search.whoosh.index import WhooshIndex

KEY = "2301.00002"  # fill()'s paper with a three-page PDF


def test_annotations_are_searched_and_shown_with_their_page(lib: Library, ix: WhooshIndex) -> None:
    ann = ops.highlight_words(
        lib, KEY, 3, "sparse retrieval baselines", comment="compare with SPLADE too"
    )
    hits = ix.search("annotation:baselines", snippets=True).hits
    assert [h.key for h in hits] == [KEY]
    (snip,) = [s for s in hits[0].snippets if s.field == "annotation"]
    assert snip.page == 3 and "<b>baselines</b>" in snip.html
    # A comment's words are free text too (neither the PDF nor any notes hold "SPLADE").
    free = ix.search("splade", snippets=True).hits
    assert [h.key for h in free] == [KEY]
    assert any(s.field == "annotation" and s.page == 3 for s in free[0].snippets)
    assert [h.key for h in ix.search("has:annotations").hits] == [KEY]
    assert ix.search(KEY).hits[0].summary.annotations == 1
    store.delete(lib, KEY, [ann.id])
    assert ix.search("splade").total == 0
    assert ix.search("has:annotations").total == 0


def test_changing_an_annotation_does_not_read_the_pdf(lib: Library, ix: WhooshIndex) -> None:
    first = prepare(lib, KEY, None, ix._extract)
    assert first.entry is not None and first.entry.text_state == "ok"
    ops.highlight_words(lib, KEY, 2, "message passing", comment="the core idea")

    def no_reading(pdf: Path, sha: str, retry: bool) -> PdfText:
        pytest.fail(f"{pdf} was read again for an annotation")

    again = prepare(lib, KEY, first.entry, no_reading)
    assert again.text_from is None  # the full-text index is left as it is
    assert again.entry is not None and again.entry.stamp != first.entry.stamp
    assert again.doc is not None and "the core idea" in again.doc["annotation"]
    assert again.doc["annotation_pages"] == [2]


def test_a_damaged_annotations_file_leaves_the_paper_indexed(lib: Library, ix: WhooshIndex) -> None:
    store.annotations_path(lib, KEY).write_text("{no", encoding="utf-8")
    ix.update(KEY)
    assert [h.key for h in ix.search("message passing").hits] == [KEY]


def test_a_papers_matches_list_its_annotations_first(lib: Library, ix: WhooshIndex) -> None:
    ops.highlight_words(lib, KEY, 2, "message passing", comment="the core idea")
    hits = ix.fulltext_hits(KEY, "passing")
    assert [(h.field, h.page) for h in hits] == [("annotation", 2), ("fulltext", 2)]
