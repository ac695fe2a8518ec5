"""Duplicates: one arXiv paper is never added twice; duplicates found are merged without loss."""

from __future__ import annotations

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.interop.duplicates import (
    Importer,
    Incoming,
    Outcome,
    family_name,
    find_duplicates,
    merge_duplicates,
    normalize_title,
)
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status


def _arxiv(ref: str, **values: object) -> Paper:
    return Paper.from_arxiv(parse(ref), **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("author", "family"),
    [
        ("Jacob Devlin", "Devlin"),
        ("Devlin, Jacob", "Devlin"),
        ("Joseph E. Gonzalez Jr.", "Gonzalez"),
        ("{World Health Organization}", "Organization"),
        ("Maarten de Rijke", "Rijke"),
    ],
)
def test_family_names(author: str, family: str) -> None:
    assert family_name(author) == family


def test_titles_written_differently_compare_equal() -> None:
    assert normalize_title("BERT: {Pre-training} of Deep $\\mathbf{Bidirectional}$") == (
        normalize_title("Bert: pre-training of deep   bidirectional")
    )


@pytest.mark.parametrize(
    "ref", ["2504.05220", "2504.05220v2", "arXiv:2504.05220v3", "https://arxiv.org/abs/2504.05220"]
)
def test_the_same_arxiv_paper_is_never_added_twice(library: Library, ref: str) -> None:
    library.add(_arxiv("2504.05220v1", title="Kept", tags=["mine"]))
    importer = Importer(library)
    outcome, key = importer.add(Incoming(_arxiv(ref, title="Other", tags=["theirs"])))
    assert (outcome, key) == (Outcome.JOINED, "2504.05220")
    assert len(library) == 1
    paper = library.get("2504.05220")
    assert paper.title == "Kept" and paper.tags == ["mine", "theirs"]


def test_old_style_ids_with_a_subject_class_are_the_same_paper(library: Library) -> None:
    library.add(_arxiv("math/0611800"))
    outcome, key = Importer(library).add(Incoming(_arxiv("math.CA/0611800v2")))
    assert (outcome, key) == (Outcome.UNCHANGED, "math_0611800") and len(library) == 1


def test_a_paper_without_arxiv_id_is_found_by_its_doi(library: Library) -> None:
    library.add(_arxiv("0704.0001", doi="10.1103/PhysRevD.76.013009"))
    importer = Importer(library)
    local = Paper(
        key="local-x-1", title="Calculation", doi="https://doi.org/10.1103/physrevd.76.013009"
    )
    assert importer.add(Incoming(local, notes="Seen at a talk.")) == (Outcome.JOINED, "0704.0001")
    arxiv_doi = Paper(key="local-y-2", title="Junctions", doi="10.48550/arXiv.hep-th/9901001")
    library.add(_arxiv("hep-th/9901001"))
    assert importer.add(Incoming(arxiv_doi))[1] == "hep-th_9901001"
    assert len(library) == 2
    assert library.read_notes("0704.0001") == "Seen at a talk.\n"


def test_a_paper_in_the_trash_is_restored_when_imported_again(library: Library) -> None:
    library.add(_arxiv("2504.05220", title="Gone"))
    library.write_notes("2504.05220", "Old notes.")
    library.delete("2504.05220")
    outcome, key = Importer(library).add(Incoming(_arxiv("2504.05220v2")))
    assert key == "2504.05220" and library.exists(key) and not library.in_trash(key)
    assert library.read_notes(key) == "Old notes.\n" and outcome is Outcome.UNCHANGED


def test_a_taken_citation_key_is_not_given_twice(library: Library) -> None:
    library.add(_arxiv("2504.05220", citation_key="zhang2025"))
    importer = Importer(library)
    importer.add(Incoming(_arxiv("2504.05217", citation_key="zhang2025")))
    assert library.get("2504.05217").citation_key is None


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
