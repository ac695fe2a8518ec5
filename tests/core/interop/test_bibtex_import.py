""".bib files as other tools write them: any encoding, DOIs and arXiv IDs in any field, every
entry accounted for, and hostile files costing one entry, never the file or the machine."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from desktop_app.core.errors import ImportFileError
from desktop_app.core.interop.bibtex_import import (
    MAX_FIELD_CHARS,
    import_bibtex,
    import_bibtex_text,
)
from desktop_app.core.library import Library

ENTRIES = """@article{muller2020,
  title   = {{\\"U}ber die Gr{\\"o}{\\ss}e \\relax von Zitaten},
  author  = {M{\\"u}ller, J{\\"u}rgen and Caf\\'e, Ren\\'e},
  journal = {Zeitschrift},
  year    = {2020},
  eprint  = {2504.05220},
  archivePrefix = {arXiv},
}
@misc{zhang2021, title = {基于深度学习的检索}, author = {张伟}, eprint = {2504.05217}}
"""


@pytest.mark.parametrize(
    ("prefix", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),  # JabRef's "UTF-16"
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (b"", "gb18030"),
    ],
)
def test_a_file_imports_in_its_encoding(
    library: Library, tmp_path: Path, prefix: bytes, codec: str
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_bytes(prefix + ENTRIES.encode(codec))
    report = import_bibtex(library, bib)
    assert report.added == ["2504.05220", "2504.05217"]  # a UTF-16 file was "0 added"
    assert library.get("2504.05220").title == "Über die Größe von Zitaten"
    assert library.get("2504.05220").authors == ["Jürgen Müller", "René Café"]
    assert library.get("2504.05217").title == "基于深度学习的检索"


def test_cp1252_with_or_without_jabrefs_encoding_line(library: Library, tmp_path: Path) -> None:
    text = (
        "@misc{a, title = {Über “quoted” – Größe}, author={Müller, Jürgen}, eprint={2504.05220}}\n"
    )
    bib = tmp_path / "jabref.bib"
    bib.write_bytes(("% Encoding: windows-1252\n" + text).encode("cp1252"))
    import_bibtex(library, bib)
    assert library.get("2504.05220").title == "Über “quoted” – Größe"  # not Ãœber
    plain = tmp_path / "plain.bib"
    plain.write_bytes(text.replace("2504.05220", "2504.05217").encode("cp1252"))
    import_bibtex(library, plain)
    assert library.get("2504.05217").authors == ["Jürgen Müller"]


def test_a_file_that_is_no_bibtex_is_an_error_naming_it(library: Library, tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf.bib"
    pdf.write_bytes(b"%PDF-1.5\n%\xd0\xd4\xc5\xd8\n1 0 obj\n<< /Length 5 >>\nstream\n\x00\x9c")
    with pytest.raises(ImportFileError, match=r"paper\.pdf\.bib: is a PDF, not a BibTeX file"):
        import_bibtex(library, pdf)
    prose = tmp_path / "notes.bib"
    prose.write_text("Just some notes about papers, no entries.\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"notes\.bib: no BibTeX entry"):
        import_bibtex(library, prose)
    empty = tmp_path / "empty.bib"
    empty.write_text("% nothing yet\n", encoding="utf-8")
    assert import_bibtex(library, empty).summary() == (
        "0 entries read: 0 added, 0 already present, 0 skipped"
    )
    assert len(library) == 0


def test_dois_in_every_written_form(library: Library) -> None:
    forms = [
        "10.1145/1000001.1000001",
        "doi:10.1145/1000002.1000002",
        "DOI: 10.1145/1000003.1000003",
        "https://doi.org/10.1145/1000004.1000004",
        "https://dx.doi.org/10.1145/1000005.1000005",
        "http://dx.doi.org/10.1145/1000006.1000006",
        "https://www.doi.org/10.1145/1000007.1000007",
        "http://doi.acm.org/10.1145/1000008.1000008",
        "https://dl.acm.org/doi/10.1145/1000009.1000009",
        "https://doi.org/10.1145%2F1000010.1000010",
    ]
    text = "".join(
        f"@article{{k{i}, title={{Paper {i}}}, doi={{{d}}}}}\n" for i, d in enumerate(forms)
    )
    text += "@article{u, title={By URL}, url={https://doi.org/10.1145/1000011.1000011}}\n"
    report = import_bibtex_text(library, text, "jabref.bib")
    assert report.problems == [] and len(report.added) == 11
    dois = sorted(p.doi or "" for p in library.papers())
    assert dois == [f"10.1145/10000{n:02d}.10000{n:02d}" for n in range(1, 12)]


def test_arxiv_ids_and_links_in_free_text_fields(library: Library) -> None:
    text = r"""
@misc{note, title={In note}, note={Preprint at https://arxiv.org/abs/2504.05220v2}}
@misc{how, title={In howpublished}, howpublished={\url{https://arxiv.org/pdf/2504.05217.pdf}}}
@misc{url, title={In url}, url={https://www.arxiv.org/abs/2504.05216}}
@misc{eprint, title={In eprint as a link}, eprint={https://arxiv.org/abs/2504.05181}}
@article{mendeley, title={Mendeley's note}, note={arXiv: 2504.05146}}
"""
    report = import_bibtex_text(library, text, "x.bib")
    assert report.problems == []
    assert report.added == ["2504.05220", "2504.05217", "2504.05216", "2504.05181", "2504.05146"]
    assert library.get("2504.05220").arxiv_version == 2


def test_every_entry_is_accounted_for(library: Library) -> None:
    text = """@misc{a, eprint={2504.05220}}
@misc{b, eprint={2504.05217}}
@misc{c, title={No identifier}}
@misc{a, eprint={2504.05216}}
"""
    import_bibtex_text(library, "@misc{a, eprint={2504.05217}}")
    report = import_bibtex_text(library, text, "refs.bib")
    assert report.read == 4 and report.added == ["2504.05220", "2504.05216"]
    assert report.present == ["2504.05217"]
    assert [str(p) for p in report.skipped] == [
        "refs.bib:3: @misc{c} has no arXiv ID, arXiv link or DOI; not imported"
    ]
    assert report.summary() == (
        "4 entries read: 2 added, 1 already present, 1 skipped, 1 warning"
    )  # the warning: key 'a' used twice, both imported


# -- hostile files (issue #19): bounded, one entry lost at most -----------------------------

GOOD = "@misc{good, title={Still imported}, eprint={2504.05220}}\n"


@pytest.mark.timeout(30)
def test_doubling_string_macros_cost_their_entry_not_the_memory(library: Library) -> None:
    # D9: 39 macros, each twice the last: 2^39 bytes if expanded (MemoryError before).
    macros = '@string{m0 = "xx"}\n' + "".join(
        f"@string{{m{i} = m{i - 1} # m{i - 1}}}\n" for i in range(1, 40)
    )
    text = macros + "@misc{bomb, title = m39, eprint = {2504.05217}}\n" + GOOD
    assert len(text.encode()) < 2000
    report = import_bibtex_text(library, text, "bomb.bib")
    assert report.added == ["2504.05220"] and report.read == 2
    reasons = [p.message for p in report.skipped]
    assert any(f"expands to more than {MAX_FIELD_CHARS:,}" in r for r in reasons)
    assert any("@misc{bomb}" in r and "was not defined" in r for r in reasons)


@pytest.mark.timeout(30)
def test_deeply_nested_braces_cost_their_entry(library: Library) -> None:
    # D14: RecursionError rejected the whole file before.
    deep = "{" * 5000 + "x" + "}" * 5000
    text = f"@misc{{deep, title = {{{deep}}}, eprint = {{2504.05217}}}}\n" + GOOD
    text += f"@misc{{names, author = {{{deep}}}, eprint = {{2504.05216}}}}\n"
    report = import_bibtex_text(library, text, "deep.bib")
    assert report.added == ["2504.05220"]
    assert [p.where for p in report.skipped] == ["deep.bib:1", "deep.bib:3"]
    assert "the field 'title': braces nested 5000 deep" in report.skipped[0].message


@pytest.mark.timeout(30)
def test_an_endless_version_costs_its_entry(library: Library) -> None:
    # D12: 4,301 digits stopped the file (int() limit); 300 digits crashed fetch later.
    text = (
        "@misc{huge, eprint = {2504.05217v" + "9" * 5000 + "}}\n"
        "@misc{long, eprint = {2504.05216v" + "1" * 300 + "}}\n" + GOOD
    )
    report = import_bibtex_text(library, text, "v.bib")
    assert report.added == ["2504.05220"] and len(library) == 1
    assert [p.where for p in report.skipped] == ["v.bib:1", "v.bib:2"]
    assert "a version of 300 digits (at most 4)" in report.skipped[1].message


@pytest.mark.timeout(30)
def test_regex_worst_cases_of_the_reader_finish(library: Library) -> None:
    spaces = " " * 100_000
    text = (
        f"@article{{a, journal = {{arxiv{spaces}preprint{spaces}}}, note = {{{'arxiv ' * 20000}}},"
        f" eprint = {{2504.05220}}}}\n"
    )
    report = import_bibtex_text(library, text, "slow.bib")
    assert report.added == ["2504.05220"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "hostile",
    [
        "@misc{" * 20_000,  # 20,000 malformed entries: each reported, lines found by bisection
        "@misc{a, title={" + "{" * 100_000 + "}\n",
        '@misc{a, title="' + '"' * 100_000 + "}\n",
        "@misc{a, title = " + "x # " * 50_000 + "x}\n",
        "@misc{a" + "," * 100_000 + "}\n",
    ],
)
def test_malformed_worst_cases_finish_and_the_rest_imports(library: Library, hostile: str) -> None:
    report = import_bibtex_text(library, hostile + "\n" + GOOD, "hostile.bib")
    assert report.added == ["2504.05220"]
    assert report.read >= 2
