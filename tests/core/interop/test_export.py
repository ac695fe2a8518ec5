"""Export to CSV, the digest format and a reading list; CSV and digests import back the same."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.errors import ImportFileError
from desktop_app.core.interop.digest import import_digest
from desktop_app.core.interop.export import (
    ExportFormat,
    export_papers,
    papers_for_keys,
    reading_list,
)
from desktop_app.core.interop.spreadsheet import CSV_COLUMNS, export_csv, import_csv
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status


@pytest.fixture
def filled(library: Library) -> Library:
    library.add(
        Paper.from_arxiv(
            parse("2504.05220v1"),
            title="Leveraging LLMs for Utility-Focused Annotation",
            authors=["Hengran Zhang", "Minghao Tang", "Keping Bi", "Jiafeng Guo"],
            abstract="Retrieval models typically rely on costly human labels.",
            categories=["cs.IR", "cs.CL"],
            published="2025-04-07",
            tags=["rag", "llm/eval"],
            status=Status.READING,
            rating=4,
        )
    )
    library.write_notes("2504.05220", "Key idea: utility labels.\n\n- check table 3")
    library.add(
        Paper.from_arxiv(
            parse("hep-th/9901001v2"),
            title="String Junctions and Their Duals",
            authors=["Yosuke Imamura"],
            abstract="A study, with a second paragraph.",
            categories=["hep-th"],
            published="1999-01-04",
            doi="10.1143/PTP.101.1155",
            journal_ref="Prog. Theor. Phys. 101 (1999) 1155",
            comment="12 pages",
            status=Status.READ,
        )
    )
    library.add(
        Paper(
            key="local-formula-1",
            title="=SUM(A1:A9) is not a formula here",
            authors=["Ann Author"],
            status=Status.NEW,
        )
    )
    return library


def test_csv_is_spreadsheet_friendly(filled: Library) -> None:
    text = export_csv(filled, filled.papers())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 3
    row = next(r for r in rows if r["key"] == "2504.05220")
    assert row["authors"] == "Zhang, Hengran; Tang, Minghao; Bi, Keping; Guo, Jiafeng"  # as Zotero
    assert row["tags"] == "rag; llm/eval" and row["status"] == "reading" and row["rating"] == "4"
    assert row["url"] == "https://arxiv.org/abs/2504.05220v1"
    assert row["notes"] == "Key idea: utility labels.\n\n- check table 3"
    formula = next(r for r in rows if r["key"] == "local-formula-1")
    assert formula["title"] == "'=SUM(A1:A9) is not a formula here"  # not run by Excel


def test_csv_round_trip_keeps_the_reading_data(filled: Library, tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text(export_csv(filled, filled.papers()), encoding="utf-8-sig")
    other = Library.open(tmp_path / "other")
    report = import_csv(other, path)
    assert report.problems == [] and len(report.added) == 3
    kept = ("key", "arxiv_id", "arxiv_version", "title", "authors", "categories", "published")
    kept += ("doi", "journal_ref", "status", "tags", "rating", "added")
    for paper in filled.papers():
        copy = other.get(paper.key)
        assert {k: getattr(copy, k) for k in kept} == {k: getattr(paper, k) for k in kept}
        assert other.read_notes(paper.key) == filled.read_notes(paper.key)


def test_csv_rows_that_cannot_be_used_are_reported(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "arxiv_id,title,status,rating\n2504.05220,A,reading,3\n,,,\n2504.05217,B,done,1\n"
        "2504.05216,C,read,9\n",
        encoding="utf-8",
    )
    report = import_csv(library, path)
    assert report.added == ["2504.05220"]
    assert [str(p) for p in report.problems] == [
        "in.csv:3: no arXiv ID, DOI or title; row not imported",
        "in.csv:4: unknown status 'done' (choose one of new, unread, reading, read); "
        "row not imported",
        "in.csv:5: rating 9 is out of range (0 to 5); row not imported",
    ]
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match="empty"):
        import_csv(library, empty)


def test_markdown_digest_round_trip(filled: Library, tmp_path: Path) -> None:
    papers = [p for p in filled.papers() if p.arxiv_id]
    text = export_papers(filled, papers, ExportFormat.MARKDOWN)
    assert text.startswith("# ")
    other = Library.open(tmp_path / "other")
    report = import_digest(other, text)
    assert sorted(report.added) == ["2504.05220", "hep-th_9901001"]
    kept = ("arxiv_id", "title", "authors", "abstract", "categories", "published", "doi")
    kept += ("journal_ref", "comment")
    for paper in papers:
        copy = other.get(paper.key)
        assert {k: getattr(copy, k) for k in kept} == {k: getattr(paper, k) for k in kept}


def test_reading_list_groups_by_status_with_notes(filled: Library) -> None:
    text = reading_list(filled, filled.papers())
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Reading (1)", "## Read (1)", "## Inbox (1)"]
    assert (
        "### [Leveraging LLMs for Utility-Focused Annotation](https://arxiv.org/abs/2504.05220v1)"
        in text
    )
    assert (
        "Hengran Zhang, Minghao Tang, Keping Bi et al. · 2025 · arXiv:2504.05220v1 · "
        "tags: `rag`, `llm/eval` · ★★★★☆" in text
    )
    assert "> Key idea: utility labels.\n>\n> - check table 3" in text
    assert "### =SUM(A1:A9) is not a formula here" in text


def test_every_format_exports_a_selection(filled: Library) -> None:
    papers = papers_for_keys(filled, ["hep-th_9901001", "gone", "hep-th_9901001"])
    assert [p.key for p in papers] == ["hep-th_9901001"]
    for fmt in ExportFormat:
        out = export_papers(filled, papers, fmt)
        assert "String Junctions" in out, fmt
        assert "Leveraging" not in out, fmt
