"""Duplicates: one arXiv paper is never added twice; duplicates found are merged without loss."""

from __future__ import annotations

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.interop.duplicates import find_duplicates, merge_duplicates, normalize_title
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status


def _arxiv(ref: str, **values: object) -> Paper:
    return Paper.from_arxiv(parse(ref), **values)  # type: ignore[arg-type]


def test_titles_written_differently_compare_equal() -> None:
    assert normalize_title("BERT: {Pre-training} of Deep $\\mathbf{Bidirectional}$") == (
        normalize_title("Bert: pre-training of deep   bidirectional")
    )


# -- finding and merging ----------------------------------------------------------------------


def _messy_library(library: Library) -> None:
    library.add(
        _arxiv(
            "1810.04805v2",
            title="BERT: Pre-training of Deep Bidirectional Transformers",
            authors=["Jacob Devlin", "Ming-Wei Chang"],
            tags=["nlp"],
            status=Status.UNREAD,
            rating=2,
        )
    )
    library.add(
        Paper(
            key="local-bert-1",
            title="Bert: pre-training of deep bidirectional transformers",
            authors=["Devlin, J."],
            tags=["to-cite", "NLP"],
            status=Status.READ,
            status_changed="2024-01-02T00:00:00Z",
            started="2024-01-01T00:00:00Z",
            finished="2024-01-02T00:00:00Z",
            rating=4,
            doi="10.18653/v1/N19-1423",
        )
    )
    library.write_notes("1810.04805", "arXiv notes.")
    library.write_notes("local-bert-1", "Notes from the proceedings.")
    library.add(
        Paper(key="local-naacl-2", title="Proceedings copy", doi="10.18653/V1/N19-1423", tags=["x"])
    )
    # Same title, another first author: a different paper.
    library.add(
        _arxiv(
            "2001.00001",
            title="BERT: Pre-training of Deep Bidirectional Transformers",
            authors=["Someone Else"],
        )
    )
    library.add(Paper(key="local-intro-1", title="Introduction"))
    library.add(Paper(key="local-intro-2", title="Introduction"))


def test_duplicates_are_found_by_doi_and_by_title_and_first_author(library: Library) -> None:
    _messy_library(library)
    (group,) = find_duplicates(library.papers())
    assert [p.key for p in group.papers] == ["1810.04805", "local-bert-1", "local-naacl-2"]


def test_merging_keeps_everything_of_every_copy(library: Library) -> None:
    _messy_library(library)
    (result,) = merge_duplicates(library)
    assert result.kept == "1810.04805" and result.trashed == ["local-bert-1", "local-naacl-2"]
    paper = library.get("1810.04805")
    assert paper.tags == ["nlp", "to-cite", "x"]  # "NLP" is "nlp" in another case
    assert paper.status is Status.READ and paper.finished == "2024-01-02T00:00:00Z"
    assert paper.rating == 4 and paper.doi == "10.18653/v1/N19-1423"
    notes = library.read_notes("1810.04805")
    assert notes.startswith("arXiv notes.\n\n*Merged from local-bert-1:*\n\nNotes from the")
    assert {p.key for p in library.trash()} == {"local-bert-1", "local-naacl-2"}
    assert find_duplicates(library.papers()) == []


def test_merging_moves_the_pdf_to_the_paper_kept(library: Library) -> None:
    library.add(
        _arxiv("1810.04805", title="BERT: Pre-training of Deep Transformers", authors=["J Devlin"])
    )
    local = Paper(
        key="local-bert-1",
        title="BERT pre-training of deep transformers",
        authors=["Jacob Devlin"],
        pdf_file="bert.pdf",
        pdf_state=FetchState.DONE,
        page_count=16,
    )
    library.add(local)
    (library.paper_dir("local-bert-1") / "bert.pdf").write_bytes(b"%PDF-1.4 test")
    merge_duplicates(library)
    kept = library.get("1810.04805")
    assert kept.pdf_file == "bert.pdf" and kept.page_count == 16
    assert library.pdf_path(kept) is not None
    assert library.pdf_path(kept).read_bytes() == b"%PDF-1.4 test"  # type: ignore[union-attr]
