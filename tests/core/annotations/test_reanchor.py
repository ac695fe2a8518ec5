"""Annotations follow the paper to its next version: found again by text, or kept apart."""

from __future__ import annotations

from desktop_app.core.annotations import ops, store
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper
from desktop_app.core.pdf.text import file_sha256
from tests.helpers.pdfgen import write_pdf

KEY = "2503.01234"
CLAIM = "sparse retrieval fails on long queries"


def test_annotations_move_to_the_page_the_text_moved_to(library: Library) -> None:
    folder = library.paper_dir(KEY)
    v1 = write_pdf(
        folder / f"{KEY}v1.pdf",
        [f"Our finding: {CLAIM} as we show. A dropped sentence stays here.", "Appendix."],
    )
    library.add(
        Paper(key=KEY, arxiv_id=KEY, arxiv_version=1, pdf_file=v1.name, pdf_state=FetchState.DONE)
    )
    moved = ops.highlight_words(library, KEY, 1, CLAIM, comment="key claim")
    lost = ops.highlight_words(library, KEY, 1, "A dropped sentence")
    # v2 has a new first page; the claim is now on page 2, the other sentence is gone, and
    # the claim also appears on page 3 in another context (the context picks page 2).
    v2 = write_pdf(
        folder / f"{KEY}v2.pdf",
        [
            "A new introduction, written for v2.",
            f"Our finding: {CLAIM} as we show.",
            f"Related work claims {CLAIM} too.",
        ],
    )
    report = ops.reanchor(library, KEY, v2, label="v2")
    assert [a.id for a in report.moved] == [moved.id]
    assert [a.id for a in report.lost] == [lost.id]
    items = {a.id: a for a in store.live(library, KEY)}
    now = items[moved.id]
    assert now.page == 2 and now.comment == "key claim" and now.not_found_in is None
    assert now.pdf_sha256 == file_sha256(v2) and now.pdf_file == v2.name
    assert now.quads != moved.quads or now.page != moved.page
    # Its new quads sit where the words are on the new page.
    from desktop_app.core.pdf.annotations import find_on_page

    assert now.quads == find_on_page(v2, 2, CLAIM).quads
    kept = items[lost.id]
    assert kept.not_found_in == "v2" and kept.page == 1 and kept.quads == lost.quads
    assert kept.pdf_sha256 == file_sha256(v1)  # its geometry still belongs to v1


def test_fetching_the_new_version_moves_the_annotations(
    library: Library, arxiv_server: object
) -> None:
    from desktop_app.core.arxiv.api import ArxivClient
    from desktop_app.core.arxiv.fetch import Fetcher, take_new_version
    from tests.helpers.arxiv_server import ArxivServer, FakeClock
    from tests.helpers.pdfgen import make_pdf

    assert isinstance(arxiv_server, ArxivServer)
    v1_pages = [f"Our finding: {CLAIM} as we show. A dropped sentence stays here."]
    v2_pages = ["A new introduction, written for v2.", f"Our finding: {CLAIM} as we show."]
    served = arxiv_server.add_paper(KEY, versions=2)
    served.pdfs = {1: make_pdf(v1_pages), 2: make_pdf(v2_pages)}
    v1 = library.paper_dir(KEY) / f"{KEY}v1.pdf"
    v1.parent.mkdir(parents=True)
    v1.write_bytes(served.pdfs[1])
    library.add(
        Paper(
            key=KEY,
            arxiv_id=KEY,
            arxiv_version=1,
            latest_version=2,  # what check-updates recorded
            pdf_file=v1.name,
            pdf_state=FetchState.DONE,
            metadata_state=FetchState.DONE,
        )
    )
    moved = ops.highlight_words(library, KEY, 1, CLAIM)
    lost = ops.highlight_words(library, KEY, 1, "A dropped sentence")
    take_new_version(library, KEY)
    clock = FakeClock()
    settings = arxiv_server.settings()
    report = Fetcher(library, ArxivClient(settings, clock=clock, sleep=clock.sleep), settings).run()
    assert report.pdfs == [KEY]
    paper = library.get(KEY)
    assert (paper.arxiv_version, paper.pdf_file) == (2, f"{KEY}v2.pdf")
    assert v1.exists()  # the old PDF stays until the user removes it
    items = {a.id: a for a in store.live(library, KEY)}
    assert items[moved.id].page == 2 and items[moved.id].pdf_file == f"{KEY}v2.pdf"
    assert items[lost.id].not_found_in == "v2"


def test_taking_a_new_version_needs_one(library: Library) -> None:
    import pytest

    from desktop_app.core.arxiv.fetch import take_new_version
    from desktop_app.core.errors import InvalidValue

    library.add(Paper(key=KEY, arxiv_id=KEY, arxiv_version=1))
    with pytest.raises(InvalidValue, match="no newer version known"):
        take_new_version(library, KEY)
