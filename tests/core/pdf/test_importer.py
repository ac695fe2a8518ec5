"""Local PDFs: arXiv IDs recognised offline (stamp, name, metadata, page 1), the rest kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.pdf.importer import (
    id_from_file_name,
    id_from_stamp,
    import_pdfs,
    read_info,
    title_from_text,
)
from tests.helpers.files import testdata as shared_file
from tests.helpers.pdfgen import write_pdf

STAMP = "arXiv:2504.05220v2 [cs.IR] 7 Apr 2025"
ARXIV_PDFS = {
    "1001._0908.0054.pdf": "0908.0054v1",
    "2206.10883v3.pdf": "2206.10883v3",
    "2302.07302v1.pdf": "2302.07302v1",
    "2304.02623v1.pdf": "2304.02623v1",
    "2305.03393v1-pg9.pdf": "2305.03393v1",  # no stamp: the name says it
    "layout-parser-paper-fast__2103.15348v2_first2pages.pdf": "2103.15348v2",
}


def _paper_pages(title: str, extra: str = "") -> list[str]:
    return [f"{title}\nAnn Author, Bob Author\nUniversity of Somewhere\n{extra}\nAbstract. Text."]


# -- recognition, piece by piece ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2504.05220v1.pdf", "2504.05220v1"),
        ("2504.05220.pdf", "2504.05220"),
        ("1001._0908.0054.pdf", "0908.0054"),
        ("hep-th_9901001v2.pdf", "hep-th/9901001v2"),
        ("math.CA_0611800.pdf", "math/0611800"),
        ("Zhang et al - 2504.05220v3 - Leveraging.pdf", "2504.05220v3"),
        ("layout-parser-paper-fast__2103.15348v2_first2pages.pdf", "2103.15348v2"),
        ("thesis-2019.pdf", None),
        ("2504.05220-and-2504.05217.pdf", None),  # two papers: no guess
    ],
)
def test_ids_in_file_names(name: str, expected: str | None) -> None:
    aid = id_from_file_name(name)
    assert (aid.canonical if aid else None) == expected


def test_the_stamp_names_version_and_category() -> None:
    found = id_from_stamp(f"Title\n{STAMP}\nbody citing arXiv:1810.04805")
    assert found.arxiv == parse("2504.05220v2") and found.category == "cs.IR"
    assert id_from_stamp("cites arXiv:1810.04805 in passing").arxiv is None


TRACE = "Trace-based Just-in-Time Type Specialization for Dynamic"


@pytest.mark.parametrize(
    ("page", "title"),
    [
        (f"{TRACE}\nLanguages\nAndreas Gal∗+", f"{TRACE} Languages"),  # a wrapped title
        ("Beyond Summarization:\nDesigning AI Support\nZejiang Shen†", None),
        ("May 5, 2023\nA Memo About Water\nTo whom it may concern.", "A Memo About Water"),
        ("Short Title\nAnn Author, Bob Author", "Short Title"),
        (
            "Optimized Table Tokenization 9\norder to compute the score. Then",
            "Optimized Table Tokenization",
        ),
        ("", None),
    ],
)
def test_titles_from_the_first_page(page: str, title: str | None) -> None:
    if page.startswith("Beyond"):
        title = "Beyond Summarization: Designing AI Support"
    assert title_from_text(page) == title


def test_document_information_is_read_without_native_code(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", ["text"], title="A (small) Test: Café")
    assert read_info(pdf)["Title"] == "A (small) Test: Café"
    assert read_info(tmp_path / "missing.pdf") == {}
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4 /Info 3 0 R 3 0 obj << /Title (unterminated")
    assert read_info(tmp_path / "junk.pdf") == {"Title": "unterminated"}


# -- importing real PDFs ------------------------------------------------------------------------


def test_every_arxiv_pdf_of_the_testdata_is_recognised(library: Library) -> None:
    folder = shared_file("pdfs", "arxiv")
    report = import_pdfs(library, [folder])
    assert report.problems == []
    assert sorted(report.added) == sorted(parse(v).key for v in ARXIV_PDFS.values())
    for name, ref in ARXIV_PDFS.items():
        aid = parse(ref)
        paper = library.get(aid.id)
        assert paper.arxiv_version == aid.version, name
        assert (
            paper.pdf_file == f"{aid.key}v{aid.version}.pdf" and paper.pdf_state is FetchState.DONE
        )
        assert library.pdf_path(paper) is not None
        assert paper.metadata_state is FetchState.PENDING  # filled in when online
        assert paper.status is Status.UNREAD and paper.title
    assert library.get("2302.07302").title == (
        "CiteSee: Augmenting Citations in Scientific Papers with Persistent and "
        "Personalized Historical Context"
    )
    assert library.get("2302.07302").categories == ["cs.HC"]  # from the stamp
    assert library.get("2206.10883").page_count == 37


def test_other_pdfs_become_papers_to_complete_and_broken_files_are_reported(
    library: Library,
) -> None:
    report = import_pdfs(library, [shared_file("pdfs", "non_arxiv"), shared_file("pdfs", "broken")])
    titles = sorted(p.title for p in library.papers())
    assert titles == [
        "Potato",
        "Potato",
        "Threats Highlight the Importance of Establishing Leadership in Cybersecurity",
        "Trace-based Just-in-Time Type Specialization for Dynamic Languages",
        "fake-memo",
    ]
    assert all(p.arxiv_id is None and p.key.startswith("local-") for p in library.papers())
    assert all(library.pdf_path(p) is not None for p in library.papers())
    problems = sorted(Path(p.where).name for p in report.problems)
    assert problems == ["arxiv-browse_fake.pdf", "qpdf_bad1.pdf"]
    assert all("not a PDF" in p.message for p in report.problems)


# -- importing generated PDFs -------------------------------------------------------------------


def test_a_recognised_pdf_joins_the_paper_in_the_library(library: Library, tmp_path: Path) -> None:
    library.add(
        Paper.from_arxiv(
            parse("2504.05220"), title="Leveraging LLMs", status=Status.NEW, tags=["t"]
        )
    )
    pdf = write_pdf(tmp_path / "download.pdf", _paper_pages("Some Title", STAMP))
    report = import_pdfs(library, [pdf])
    assert report.joined == ["2504.05220"] and report.added == [] and len(library) == 1
    paper = library.get("2504.05220")
    assert paper.title == "Leveraging LLMs" and paper.tags == ["t"]  # nothing overwritten
    assert paper.arxiv_version == 2 and paper.pdf_file == "2504.05220v2.pdf"
    assert paper.status is Status.UNREAD  # added on purpose: out of the inbox
    assert pdf.exists()  # the original stays where it was
    # The same file again changes nothing; another file is not put over the PDF held.
    assert import_pdfs(library, [pdf]).unchanged == ["2504.05220"]
    other = write_pdf(tmp_path / "2504.05220v3.pdf", ["another version"])
    report = import_pdfs(library, [other])
    assert report.problems[0].message == "2504.05220v2 has a PDF already; it is kept"
    assert library.get("2504.05220").pdf_file == "2504.05220v2.pdf"


def test_ids_from_metadata_and_from_page_one(library: Library, tmp_path: Path) -> None:
    write_pdf(tmp_path / "a" / "paper.pdf", ["A Paper\nbody"], title="arXiv:1810.04805v2")
    write_pdf(tmp_path / "a" / "b" / "scan.pdf", ["x"], scanned=True)
    write_pdf(tmp_path / "a" / "b" / "cites.pdf", ["Title Here\nsee arXiv: 2001.00001v1"])
    write_pdf(tmp_path / "a" / ".hidden" / "2504.05220.pdf", ["hidden"])
    report = import_pdfs(library, [tmp_path / "a", tmp_path / "nowhere"])
    assert [str(p) for p in report.problems] == [f"{tmp_path / 'nowhere'}: no such file or folder"]
    assert sorted(library.keys())[:2] == ["1810.04805", "2001.00001"]
    scan = [p for p in library.papers() if p.key.startswith("local-")]
    assert [p.title for p in scan] == ["scan"]  # no text, no title: named after its file
    assert library.get("1810.04805").arxiv_version == 2


def test_an_unrecognised_pdf_added_twice_is_one_paper(library: Library, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "notes.pdf", _paper_pages("A Local Report on Things"))
    first = import_pdfs(library, [pdf])
    second = import_pdfs(library, [tmp_path])
    assert len(first.added) == 1 and second.unchanged == first.added and len(library) == 1
    paper = library.get(first.added[0])
    assert paper.title == "A Local Report on Things" and paper.source == "pdf:notes.pdf"
    assert paper.metadata_state is FetchState.NONE  # nothing to fetch: the user completes it


def test_pdfs_inside_the_library_are_not_imported_again(library: Library, tmp_path: Path) -> None:
    import_pdfs(library, [write_pdf(tmp_path / "2504.05220v1.pdf", ["x"])])
    report = import_pdfs(library, [library.root])
    assert report.added == [] and report.unchanged == [] and len(library) == 1


def test_a_file_name_naming_another_paper_than_the_stamp_is_a_warning(
    library: Library, tmp_path: Path
) -> None:
    pdf = write_pdf(tmp_path / "2504.05220.pdf", ["arXiv:2301.00002v1 [cs.IR] 7 Jan 2023 Sparse"])
    report = import_pdfs(library, [pdf])
    assert report.added == ["2301.00002"]  # the stamp decides
    (problem,) = report.problems
    assert problem.where == str(pdf) and not problem.skipped
    assert "file name names 2504.05220 but its arXiv stamp 2301.00002v1" in problem.message
