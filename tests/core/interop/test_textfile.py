"""Import files in any encoding: BOMs, JabRef's Encoding line, detection; non-text refused."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from desktop_app.core.errors import ImportFileError
from desktop_app.core.interop.textfile import decode_text, read_text_file

TEXT = "@misc{a, title={Über Größe: “quotes” – café}, doi={10.1000/x}}\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no mark: seen by its zero bytes
        (TEXT.encode("utf-8"), "utf-8"),
    ],
)
def test_unicode_files_read_by_their_mark(data: bytes, encoding: str) -> None:
    decoded = decode_text(data, "refs.bib", "BibTeX file")
    assert (decoded.text, decoded.encoding) == (TEXT, encoding)


def test_jabrefs_encoding_line_is_honoured() -> None:
    text = "% Encoding: windows-1252\n\n" + TEXT
    decoded = decode_text(text.encode("cp1252"), "refs.bib", "BibTeX file")
    assert decoded.text == text and decoded.how == "encoding line"


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (
            "@article{zhang2020,\n  title = {基于深度学习的信息检索方法研究},\n"
            "  author = {张伟 and 李娜},\n  year = {2020},\n  doi = {10.1000/xyz}\n}\n",
            "gbk",
        ),
        (
            "@article{muller2020,\n  title = {Über die Größe von Zitaten – eine Studie},\n"
            "  author = {Müller, Jürgen and Café, René},\n  doi = {10.1000/xyz}\n}\n",
            "cp1252",
        ),
    ],
)
def test_legacy_encodings_are_detected_not_mojibake(text: str, codec: str) -> None:
    decoded = decode_text(text.encode(codec), "refs.bib", "BibTeX file")
    assert decoded.text == text and decoded.how == "detected"


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("@misc{a, title={Über “quoted” – Größe}, eprint={2504.05216}}\n", "cp1252"),
        ("@misc{a, title={Исследование методов поиска}, doi={10.1/x}}\n", "cp1251"),
        ("@misc{a, title={日本語のタイトルです}, doi={10.1/x}}\n", "shift_jis"),
    ],
)
def test_short_legacy_files_are_not_taken_for_mac_code_pages(text: str, codec: str) -> None:
    assert decode_text(text.encode(codec), "a.bib", "BibTeX file").text == text


def test_files_that_are_not_text_are_errors_naming_them(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.bib"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01\x02")
    with pytest.raises(ImportFileError, match=r"paper\.bib: is a PDF, not a BibTeX file"):
        read_text_file(pdf, "BibTeX file")
    xlsx = tmp_path / "table.csv"
    xlsx.write_bytes(b"PK\x03\x04\x14\x00\x00\x00")
    with pytest.raises(ImportFileError, match=r"table\.csv: is a ZIP archive"):
        read_text_file(xlsx, "CSV file")
    blob = tmp_path / "blob.bib"
    blob.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ImportFileError, match=r"blob\.bib: is a binary file"):
        read_text_file(blob, "BibTeX file")
    with pytest.raises(ImportFileError, match=r"gone\.bib: no such file"):
        read_text_file(tmp_path / "gone.bib", "BibTeX file")
    with pytest.raises(ImportFileError, match="is a folder"):
        read_text_file(tmp_path, "BibTeX file")
