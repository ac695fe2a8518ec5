"""``papershelf export``, ``import-bibtex``, ``import-csv``, ``add-pdf``, ``duplicates``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bibtexparser.entrypoint import parse_string

from desktop_app.cli import main
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from tests.helpers.files import testdata as shared_file
from tests.helpers.pdfgen import write_pdf


def run(capsys: pytest.CaptureFixture[str], library: Library, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(library.root), "--offline", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_bibtex_to_stdout_and_to_a_file(
    capsys: pytest.CaptureFixture[str], filled: Library, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, filled, "export", "bibtex")
    assert code == 0 and "@misc{zhang2025leveraging," in out and "@misc{liu2025llmalignment," in out
    assert list(parse_string(out).failed_blocks) == []
    target = tmp_path / "refs.bib"
    code, out, _ = run(capsys, filled, "export", "biblatex", "-o", str(target))
    assert code == 0 and out == f"Exported 2 papers to {target} (BibLaTeX).\n"
    assert "eprinttype  = {arxiv}" in target.read_text(encoding="utf-8")


def test_export_a_query_s_results(capsys: pytest.CaptureFixture[str], filled: Library) -> None:
    code, out, _ = run(capsys, filled, "export", "reading-list", "tag:rag")
    assert code == 0 and "## Reading (1)" in out
    assert "Leveraging" in out and "Live-Streaming" not in out


def test_export_csv_opens_in_excel(
    capsys: pytest.CaptureFixture[str], filled: Library, tmp_path: Path
) -> None:
    target = tmp_path / "papers.csv"
    assert run(capsys, filled, "export", "csv", "-o", str(target))[0] == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfkey,arxiv_id,")  # BOM: UTF-8 in Excel
    other = Library.open(tmp_path / "other")
    code, out, _ = run(capsys, other, "import-csv", str(target))
    assert code == 0 and out.startswith(
        f"{target}: 2 entries read: 2 added, 0 already present, 0 skipped"
    )
    assert other.get("2504.05220").status is Status.READING


def test_import_bibtex_reports_problems_with_lines(
    capsys: pytest.CaptureFixture[str], library: Library, tmp_path: Path
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@misc{a, eprint={2504.05220}, keywords={x}}\n@misc{b, title={none}}\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, library, "import-bibtex", str(bib), str(tmp_path / "gone.bib"))
    assert code == 1
    assert out.splitlines() == [
        f"{bib}: 2 entries read: 1 added, 0 already present, 1 skipped",
        "  refs.bib:2: @misc{b} has no arXiv ID, arXiv link or DOI; not imported",
        "Offline: 1 paper queued; 'papershelf fetch' fetches them when online.",
    ]
    assert library.get("2504.05220").tags == ["x"]
    code, out, _ = run(capsys, library, "import-bibtex", "--json", str(bib))
    (report,) = json.loads(out)
    assert report["present"] == ["2504.05220"] and report["added"] == []


def test_add_pdf_recognises_the_testdata(
    capsys: pytest.CaptureFixture[str], library: Library
) -> None:
    code, out, _ = run(capsys, library, "add-pdf", str(shared_file("pdfs", "arxiv")))
    assert code == 0 and out.startswith("PDFs: 6 added\n")
    assert library.exists("2103.15348")


def test_add_pdf_of_a_generated_file(
    capsys: pytest.CaptureFixture[str], library: Library, tmp_path: Path
) -> None:
    pdf = write_pdf(tmp_path / "x.pdf", ["A Title Here\narXiv:2504.05220v1 [cs.IR] 7 Apr 2025"])
    code, out, err = run(capsys, library, "add-pdf", str(pdf), str(tmp_path / "nope.pdf"))
    assert code == 1 and "nope.pdf: no such file or folder" in err
    assert out.startswith("PDFs: 1 added") and library.get("2504.05220").pdf_file


def test_duplicates_are_listed_then_merged(
    capsys: pytest.CaptureFixture[str], filled: Library
) -> None:
    filled.add(
        Paper(
            key="local-copy-1",
            title="Leveraging LLMs for utility-focused annotation",
            authors=["H. Zhang"],
            tags=["copy"],
        )
    )
    code, out, err = run(capsys, filled, "duplicates")
    assert code == 0 and "keep   2504.05220v1" in out and "merge  local-copy-1" in out
    assert "--merge" in err and len(filled) == 3
    code, out, _ = run(capsys, filled, "duplicates", "--merge")
    assert code == 0 and "Merged local-copy-1 into 2504.05220" in out
    assert len(filled) == 2 and filled.get("2504.05220").tags == ["rag", "copy"]
    assert run(capsys, filled, "duplicates")[1] == "No duplicates.\n"
