"""PDF text: read in a child process, page by page, cached by hash; bad PDFs fail with a reason."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.helpers.files as shared
from desktop_app.core.pdf import text as pdftext
from desktop_app.core.pdf.text import (
    NO_TEXT_LAYER,
    TextExtractor,
    extract_text,
    file_sha256,
    load_cached,
    normalize_page,
)
from tests.helpers.pdfgen import make_pdf, write_pdf


@pytest.fixture
def extractor() -> Iterator[TextExtractor]:
    with TextExtractor(timeout=30) as ex:
        yield ex


def test_pages_are_kept_apart(tmp_path: Path, extractor: TextExtractor) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", ["first page words", "second page", "third café"])
    result = extractor.extract(pdf)
    assert result.ok, result.error
    assert result.page_count == 3
    assert "first page words" in result.pages[0]
    assert "second page" in result.pages[1]
    assert "café" in result.pages[2]
    assert result.sha256 == file_sha256(pdf)
    assert result.source == "a.pdf"


def test_words_hyphenated_at_a_line_end_are_joined(
    tmp_path: Path, extractor: TextExtractor
) -> None:
    pdf = write_pdf(tmp_path / "h.pdf", ["dense passage retrie-\nval works well"])
    result = extractor.extract(pdf)
    assert "retrieval" in result.pages[0]
    assert "\ufffe" not in result.pages[0] and "\x02" not in result.pages[0]


def test_normalisation() -> None:
    assert normalize_page("e\ufb03cient \ufb01le") == "efficient file"  # ligatures
    assert normalize_page("retrie\x02\r\nval") == "retrieval"
    assert normalize_page("retrie\ufffeval") == "retrieval"
    assert normalize_page("a\r\nb\x00c") == "a\nbc"


def test_results_are_cached_by_hash(tmp_path: Path, extractor: TextExtractor) -> None:
    pdf = write_pdf(tmp_path / "c.pdf", ["cached words here"])
    first = extractor.extract(pdf)
    assert pdftext.cache_path(first.sha256).exists()
    # The same bytes under another name are not read again: the cache answers.
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(pdf.read_bytes())
    with TextExtractor(timeout=0.000001) as no_time:  # would fail if it had to read
        again = no_time.extract(copy)
    assert again.ok and again.pages == first.pages


def test_scan_without_text_layer_is_a_failure(tmp_path: Path, extractor: TextExtractor) -> None:
    pdf = write_pdf(tmp_path / "scan.pdf", ["", "", ""], scanned=True)
    result = extractor.extract(pdf)
    assert not result.ok
    assert result.error == NO_TEXT_LAYER
    # Failures are cached with their reason (``papershelf stats`` lists them).
    cached = load_cached(result.sha256)
    assert cached is not None and cached.error == NO_TEXT_LAYER


def test_a_stamp_alone_does_not_make_a_text_layer(tmp_path: Path, extractor: TextExtractor) -> None:
    stamp = "arXiv:2504.01234v1 [cs.IR] 7 Apr 2025"
    pdf = write_pdf(tmp_path / "stamped.pdf", [stamp, "", "", ""])
    result = extractor.extract(pdf)
    assert not result.ok and result.error and result.error.startswith(NO_TEXT_LAYER)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b"This is a fake pdf used during testing.\n", "not a PDF file"),
        (b"%PDF-1.4\n" + b"\x00garbage" * 40, "cannot be opened"),
    ],
)
def test_bad_files_fail_with_a_reason(
    tmp_path: Path, extractor: TextExtractor, data: bytes, reason: str
) -> None:
    pdf = tmp_path / "bad.pdf"
    pdf.write_bytes(data)
    result = extractor.extract(pdf)
    assert not result.ok
    assert result.error is not None and reason in result.error
    # The worker goes on serving.
    good = write_pdf(tmp_path / "good.pdf", ["still working"])
    assert extractor.extract(good).ok


def test_missing_file(tmp_path: Path, extractor: TextExtractor) -> None:
    result = extractor.extract(tmp_path / "nope.pdf")
    assert not result.ok and result.error and "cannot be read" in result.error


def test_time_limit_stops_a_slow_pdf_and_the_next_one_works(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "slow.pdf", ["words " * 50] * 5)
    with TextExtractor(timeout=0.000001) as ex:
        result = ex.extract(pdf)
    assert not result.ok and result.error and "time limit" in result.error
    with TextExtractor() as ex:
        assert ex.extract(pdf, refresh=True).ok


@pytest.mark.skipif(os.name != "posix", reason="address-space limits are POSIX")
def test_memory_cap_stops_a_greedy_pdf(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "big.pdf", ["words " * 300] * 20)
    with TextExtractor(memory_mb=1) as ex:  # less than the worker already has
        result = ex.extract(pdf)
    assert not result.ok
    assert result.error and ("memory" in result.error or "MB" in result.error)


def test_extract_text_helper(tmp_path: Path) -> None:
    pdf = tmp_path / "one.pdf"
    pdf.write_bytes(make_pdf(["one shot"]))
    assert "one shot" in extract_text(pdf).pages[0]


@pytest.mark.testdata
def test_every_broken_pdf_fails_cleanly_or_recovers(extractor: TextExtractor) -> None:
    folder = shared.testdata("pdfs", "broken")
    for pdf in sorted(folder.glob("*.pdf")):
        result = extractor.extract(pdf)
        if result.ok:
            assert any(page.strip() for page in result.pages), pdf.name  # recovered
        else:
            assert result.error, pdf.name
    assert not extractor.extract(folder / "qpdf_bad1.pdf").ok
    assert "not a PDF" in (extractor.extract(folder / "arxiv-browse_fake.pdf").error or "")
    assert "Potato" in extractor.extract(folder / "qpdf_bad3.pdf").pages[0]  # recovered


@pytest.mark.testdata
def test_real_arxiv_pdfs(extractor: TextExtractor) -> None:
    result = extractor.extract(shared.testdata("pdfs", "arxiv", "2302.07302v1.pdf"))
    assert result.ok and result.page_count == 15
    assert "CiteSee" in result.pages[0]
    assert "arXiv:2302.07302v1" in result.pages[0]  # the stamp in the margin
    other = extractor.extract(shared.testdata("pdfs", "arxiv", "1001._0908.0054.pdf"))
    assert other.ok and other.page_count == 4
    assert "bosonic dark matter" in other.pages[0]


def test_the_worker_finds_the_package_it_belongs_to(tmp_path: Path) -> None:
    """Started from anywhere, without site-packages, the worker's path leads to this checkout."""
    import desktop_app
    from desktop_app.core.pdf.text import worker_env

    code = "import desktop_app, sys; sys.stdout.write(desktop_app.__file__)"
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        env=worker_env(),
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert Path(out).resolve() == Path(desktop_app.__file__).resolve()


def test_a_file_name_holding_a_newline_does_not_shift_other_answers(
    tmp_path: Path, extractor: TextExtractor
) -> None:
    # A path per raw line made the worker read "odd" and "name.pdf" as two requests: every
    # answer after it was the previous file's, and was cached under the wrong hash.
    odd = write_pdf(tmp_path / "odd\nname.pdf", ["words of the odd file"])
    plain = write_pdf(tmp_path / "plain.pdf", ["words of the plain file"])
    other = write_pdf(tmp_path / "other.pdf", ["words of the other file"])
    assert "odd file" in extractor.extract(odd).text
    assert "plain file" in extractor.extract(plain).text
    assert "other file" in extractor.extract(other).text
    assert "plain file" in (load_cached(file_sha256(plain)) or pdftext.PdfText("")).text


def test_a_file_name_that_is_not_utf8_is_read(tmp_path: Path, extractor: TextExtractor) -> None:
    name = os.fsdecode(b"caf\xe9.pdf")
    pdf = write_pdf(tmp_path / name, ["latin one name"])
    assert "latin one name" in extractor.extract(pdf).text
