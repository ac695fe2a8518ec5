"""``papershelf annotate / annotations / annotations import / export annotated-pdf``."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from desktop_app.core.annotations import store
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper
from tests.helpers.pdfgen import write_pdf
from tests.helpers.shelf import Shelf

KEY = "2503.01234"
PAGES = [
    "An introduction to dense retrieval. " * 8,
    "We show that the retrie-\nval of dense passages improves recall on every benchmark.",
]


@pytest.fixture
def paper(library: Library) -> Path:
    pdf = write_pdf(library.paper_dir(KEY) / f"{KEY}v1.pdf", PAGES, title="Dense")
    library.add(
        Paper(
            key=KEY,
            arxiv_id=KEY,
            arxiv_version=1,
            title="Dense",
            pdf_file=pdf.name,
            pdf_state=FetchState.DONE,
        )
    )
    return pdf


def _pdf_annotations(path: Path) -> list[tuple[int, int, str]]:
    """(page, subtype, contents) of each annotation in a PDF, read back with pdfium."""
    pdf = pdfium.PdfDocument(str(path))
    found = []
    for n in range(len(pdf)):
        page = pdf[n]
        for i in range(raw.FPDFPage_GetAnnotCount(page.raw)):
            handle = raw.FPDFPage_GetAnnot(page.raw, i)
            size = raw.FPDFAnnot_GetStringValue(handle, b"Contents", None, 0)
            buf = bytearray(size)
            raw.FPDFAnnot_GetStringValue(
                handle, b"Contents", (raw.FPDF_WCHAR * (size // 2)).from_buffer(buf), size
            )
            text = bytes(buf[:-2]).decode("utf-16-le")
            found.append((n + 1, raw.FPDFAnnot_GetSubtype(handle), text))
            raw.FPDFPage_CloseAnnot(handle)
    pdf.close()
    return found


def test_annotate_finds_words_across_a_hyphenated_line_break(
    shelf: Shelf, library: Library, paper: Path
) -> None:
    out = shelf(
        "annotate",
        KEY,
        "--page",
        "2",
        "--text",
        "retrieval of dense passages",
        "--comment",
        "the main claim",
        "--color",
        "green",
    ).stdout
    (ann,) = store.live(library, KEY)
    assert out.strip() == ann.id
    assert (ann.page, ann.color.value, ann.text) == (2, "green", "retrieval of dense passages")
    assert ann.comment == "the main claim" and ann.before.endswith("that the")
    assert len(ann.quads) == 2  # two lines of text: two quads, on the text's lines
    tops = sorted(q[1] for q in ann.quads)
    assert 700 < tops[0] < tops[1] <= 730
    listed = shelf.sub("annotations", KEY).stdout  # the real program, as a shell runs it
    assert "retrieval of dense passages" in listed and "the main claim" in listed
    data = json.loads(shelf("annotations", KEY, "--json").stdout)
    assert data["key"] == KEY and data["annotations"][0]["id"] == ann.id
    md = shelf("annotations", KEY, "--markdown").stdout
    assert md.startswith("> retrieval of dense passages\n\nthe main claim\n\n")
    assert f"papershelf://open/{KEY}?page=2&annotation={ann.id}" in md


def test_words_not_on_the_page_are_an_error_naming_them(shelf: Shelf, paper: Path) -> None:
    err = shelf("annotate", KEY, "--page", "1", "--text", "retrieval of dense", code=1).stderr
    assert "'retrieval of dense' are not on page 1" in err
    assert "has no page 9" in shelf("annotate", KEY, "--page", "9", "--text", "x", code=1).stderr


def test_a_paper_without_pdf_says_so(shelf: Shelf, library: Library) -> None:
    library.add(Paper(key="2503.09999", arxiv_id="2503.09999", title="No PDF"))
    err = shelf("annotate", "2503.09999", "--page", "1", "--text", "x", code=1).stderr
    assert "has no PDF" in err


def test_export_annotated_pdf_then_import_it_back(
    shelf: Shelf, library: Library, paper: Path, tmp_path: Path
) -> None:
    before = paper.read_bytes()
    shelf("annotate", KEY, "--page", "2", "--text", "improves recall", "--comment", "how much?")
    shelf("annotate", KEY, "--page", "1", "--text", "dense retrieval", "--underline")
    out = tmp_path / "annotated.pdf"
    err = shelf("export", "annotated-pdf", KEY, "-o", str(out)).stderr
    assert "with 2 annotations" in err
    assert paper.read_bytes() == before  # the library's PDF is never modified
    found = _pdf_annotations(out)
    assert (2, raw.FPDF_ANNOT_HIGHLIGHT, "how much?") in found
    assert (1, raw.FPDF_ANNOT_UNDERLINE, "") in found

    # Another reader's PDF: importing its annotations, twice, adds them once.
    other = Paper(key="2503.05555", arxiv_id="2503.05555", title="Other")
    target = library.paper_dir(other.key) / "2503.05555v1.pdf"
    target.parent.mkdir(parents=True)
    target.write_bytes(out.read_bytes())
    other.pdf_file, other.pdf_state = target.name, FetchState.DONE
    library.add(other)
    assert "Imported 2 annotations" in shelf("annotations", "import", other.key).stderr
    assert (
        "Imported 0 annotations (2 imported before)"
        in shelf("annotations", "import", other.key).stderr
    )
    got = {a.kind.value: a for a in store.live(library, other.key)}
    assert got["highlight"].text == "improves recall" and got["highlight"].comment == "how much?"
    assert got["underline"].text == "dense retrieval" and got["underline"].page == 1
    original = {a.kind.value: a for a in store.live(library, KEY)}
    (imported_quad,) = got["highlight"].quads
    (original_quad,) = original["highlight"].quads
    assert imported_quad == pytest.approx(original_quad, abs=0.01)


def test_exports_carry_the_annotations_when_asked(
    shelf: Shelf, library: Library, paper: Path
) -> None:
    ann_id = shelf("annotate", KEY, "--page", "2", "--text", "improves recall", "--comment",
                   "by how much?").stdout.strip()  # fmt: skip
    link = f"papershelf://open/{KEY}?page=2&annotation={ann_id}"
    plain = shelf("export", "reading-list").stdout
    assert "improves recall" not in plain
    listed = shelf("export", "reading-list", "--annotations").stdout
    assert "#### Annotations" in listed and "> improves recall" in listed
    assert "by how much?" in listed and link in listed
    digest = shelf("export", "markdown", "--annotations").stdout
    assert "**Annotations**:" in digest and link in digest
    # The digest with annotations still reads back as the same paper.
    out = library.root.parent / "digest.md"
    out.write_text(digest, encoding="utf-8")
    from desktop_app.core.interop.digest import parse_digest

    (entry,) = parse_digest(out.read_text(encoding="utf-8")).entries
    assert entry.arxiv.id == KEY and entry.title == "Dense"


def test_exports_with_annotations_are_not_kept_updated(
    shelf: Shelf, paper: Path, tmp_path: Path
) -> None:
    out = str(tmp_path / "list.md")
    err = shelf("export", "reading-list", "--annotations", "-o", out, "--keep-updated", code=1)
    assert "--annotations cannot be kept updated" in err.stderr
    err = shelf("export", "annotated-pdf", KEY, "-o", out, "--keep-updated", code=1)
    assert "cannot be kept updated" in err.stderr
