"""CSV in and out: rows a spreadsheet mangled, Zotero's export, and a library's own export
imported back into it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.interop.spreadsheet import export_csv, import_csv, zotero_name
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_a_row_with_more_cells_than_the_header_is_imported(
    library: Library, tmp_path: Path
) -> None:
    path = _write(tmp_path / "in.csv", "arxiv_id,title\n2504.05220,A,stray,cells\n2504.05217,B\n")
    report = import_csv(library, path)  # AttributeError in _uncell before
    assert report.added == ["2504.05220", "2504.05217"]
    assert [str(p) for p in report.problems] == [
        "in.csv:2: 2 more cells than the header names; they are left out"
    ]
    assert report.skipped == []


def test_an_id_a_spreadsheet_turned_into_a_number_falls_back_to_the_url(
    library: Library, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "excel.csv",
        "arxiv_id,version,title,url\n"
        "2504.0522,1,Trailing zero lost,https://arxiv.org/abs/2504.05220v1\n"
        "2504.1,,Four zeros lost,https://arxiv.org/abs/2504.10000\n"
        "2504.0521,,No link to fall back on,\n",
    )
    report = import_csv(library, path)
    assert report.added == ["2504.05220", "2504.10000"]  # local papers before, silently
    assert library.get("2504.05220").arxiv_version == 1
    (skipped,) = report.skipped
    assert skipped.where == "excel.csv:4"
    assert "'2504.0521' is not an arXiv identifier" in skipped.message
    assert "url column names no arXiv paper" in skipped.message


def test_tags_holding_a_semicolon_and_notes_survive_a_round_trip(
    library: Library, tmp_path: Path
) -> None:
    library.add(
        Paper.from_arxiv(
            parse("2504.05220"),
            title="A",
            authors=["Anna van der Berg", "Martin Luther King Jr.", "The ATLAS Collaboration"],
            tags=["a;b", "back\\slash", "plain"],
        )
    )
    library.write_notes("2504.05220", "line one\nline two")
    first = export_csv(library, library.papers())
    path = _write(tmp_path / "out.csv", first, "utf-8-sig")
    other = Library.open(tmp_path / "other")
    assert import_csv(other, path).added == ["2504.05220"]
    copy = other.get("2504.05220")
    assert copy.tags == ["a;b", "back\\slash", "plain"]
    assert copy.authors == [
        "Anna van der Berg",
        "Martin Luther King Jr.",
        "The ATLAS Collaboration",
    ]
    assert other.read_notes("2504.05220").rstrip("\n") == "line one\nline two"
    again = export_csv(other, other.papers())
    row = next(csv.DictReader(io.StringIO(again)))
    assert row["notes"] == "line one\nline two"  # no line break added on the way
    assert row["authors"] == "van der Berg, Anna; King, Jr., Martin Luther; The ATLAS Collaboration"


def test_notes_from_excel_keep_their_own_line_breaks(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b'arxiv_id,notes\r\n2504.05220,"line one\r\nline two"\r\n')
    import_csv(library, path)
    assert library.notes_path("2504.05220").read_bytes() == b"line one\nline two\n"


def test_export_writes_authors_like_zotero_with_abstract_and_date_modified(
    library: Library,
) -> None:
    library.add(
        Paper.from_arxiv(
            parse("2504.05220"), title="A", authors=["Hengran Zhang"], abstract="What it does."
        )
    )
    row = next(csv.DictReader(io.StringIO(export_csv(library, library.papers()))))
    assert row["authors"] == "Zhang, Hengran"
    assert row["abstract"] == "What it does."
    assert row["modified"].endswith("Z") and row["modified"][:4].isdigit()
    assert zotero_name("Plato") == "Plato"


ZOTERO = (
    '"Key","Item Type","Publication Year","Author","Title","Publication Title","ISBN","ISSN",'
    '"DOI","Url","Abstract Note","Date","Date Added","Date Modified","Access Date","Pages",'
    '"Extra","Notes","Manual Tags","Automatic Tags"\n'
    '"ABCD1234","preprint","2025","Zhang, Hengran; Tang, Minghao","Leveraging LLMs","","","",'
    '"10.48550/arXiv.2504.05220","http://arxiv.org/abs/2504.05220","Retrieval models rely on '
    'labels.","2025-04-07","2025-04-08 10:00:00","2025-04-09 11:00:00","","","arXiv: 2504.05220",'
    '"","rag; llm","Computer Science - Information Retrieval"\n'
    '"EFGH5678","journalArticle","2019","Müller, Jörg","Über Größe","Zeitschrift","","",'
    '"10.1000/xyz","","An abstract.","2019","2024-01-02 03:04:05","2024-01-02 03:04:05","","1-10",'
    '"","","zotero-tag",""\n'
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_a_zotero_csv_imports_with_authors_year_abstract_and_tags(
    library: Library, tmp_path: Path, encoding: str
) -> None:
    path = _write(tmp_path / "zotero.csv", ZOTERO, encoding)
    report = import_csv(library, path)
    assert report.read == 2 and len(report.added) == 2 and report.skipped == []
    paper = library.get("2504.05220")
    assert paper.authors == ["Hengran Zhang", "Minghao Tang"]
    assert paper.abstract == "Retrieval models rely on labels."
    assert paper.published == "2025-04-07" and paper.added == "2025-04-08T10:00:00Z"
    assert paper.tags == ["rag", "llm", "Computer Science - Information Retrieval"]
    local = next(p for p in library.papers() if p.doi == "10.1000/xyz")
    assert (local.title, local.authors, local.year) == ("Über Größe", ["Jörg Müller"], 2019)
    assert local.journal_ref == "Zeitschrift" and local.tags == ["zotero-tag"]


def test_reimporting_a_librarys_own_csv_reports_papers_as_present(
    library: Library, tmp_path: Path
) -> None:
    library.add(Paper.from_arxiv(parse("2504.05220"), title="An arXiv paper"))
    library.add(Paper(key="local-a-book-1a2b3c4d", title="A book without DOI", status=Status.READ))
    library.add(Paper(key="local-x-5e6f7a8b", title="With DOI", doi="10.1000/abc"))
    path = _write(tmp_path / "mine.csv", export_csv(library, library.papers()), "utf-8-sig")
    report = import_csv(library, path)  # "already in the library" stopped it before
    assert report.added == [] and report.skipped == []
    assert sorted(report.present) == sorted(library.keys())
    assert report.summary() == "3 entries read: 0 added, 3 already present, 0 skipped"
    assert len(library) == 3


@pytest.mark.timeout(30)
def test_hostile_cells_cost_their_row(library: Library, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.csv",
        "arxiv_id,version,rating,title\n"
        f"2504.05217,{'9' * 5000},,Endless version\n"
        f"2504.05216,,{'9' * 5000},Endless rating\n"
        "2504.05220,,,Kept\n",
    )
    report = import_csv(library, path)
    assert report.added == ["2504.05220"]
    assert [p.where for p in report.skipped] == ["bad.csv:2", "bad.csv:3"]
    assert "a version of 5,000 digits" in report.skipped[0].message
    assert "out of range" in report.skipped[1].message
