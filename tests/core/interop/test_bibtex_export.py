"""BibTeX out: what bibtex (plain.bst), biber and pybtex in strict mode accept, case by case.

The cases are small .bib and CSV files written by ``tests/helpers/bibcases.py``, imported as a
user would; the export of the library they make must give no error in any of the three tools
(bibtex and biber run when installed, and are skipped with the reason otherwise).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.interop.bibtex import (
    Dialect,
    assign_citation_keys,
    citation_key_base,
    export_bibtex,
    format_name,
    legal_key,
)
from desktop_app.core.interop.bibtex_import import import_bibtex_text
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, pinned_version
from tests.helpers import bibcases, bibtools

PAPERSHELF = [sys.executable, "-m", "desktop_app", "--offline"]
pybtex_database = pytest.importorskip("pybtex.database", reason="pybtex is not installed")


def _export(
    library: Library, dialect: Dialect, tmp_path: Path, papers: list[Paper] | None = None
) -> Path:
    out = tmp_path / f"{dialect.value}.bib"
    chosen = sorted(library.papers(), key=lambda p: p.key) if papers is None else papers
    out.write_text(export_bibtex(library, chosen, dialect), encoding="utf-8")
    return out


@pytest.fixture
def cases(library: Library, tmp_path: Path) -> Library:
    """The library of every case, imported from the .bib and CSV files."""
    bibcases.import_cases(library, tmp_path / "in")
    assert {bibcases.case_of(p) for p in library.papers()} == {c[0] for c in bibcases.CASES}
    return library


def _entry(bib: Path, key: str) -> pybtex_database.Entry:
    return pybtex_database.parse_string(bib.read_text(encoding="utf-8"), "bibtex").entries[key]


def _key_of(library: Library, ref: str, dialect: Dialect, tmp_path: Path) -> str:
    (paper,) = [p for p in library.papers() if ref in (p.arxiv_id, p.doi)]
    (keyed,) = assign_citation_keys(library, [paper])
    assert keyed.citation_key
    return keyed.citation_key


# -- the whole library, through the three tools ---------------------------------------------


@pytest.mark.parametrize("dialect", list(Dialect))
def test_pybtex_strict_reads_the_export_of_every_case(
    cases: Library, tmp_path: Path, dialect: Dialect
) -> None:
    bib = _export(cases, dialect, tmp_path)
    assert bibtools.pybtex_errors(bib, format_with_plain=dialect is Dialect.BIBTEX) == []
    data = pybtex_database.parse_string(bib.read_text(encoding="utf-8"), "bibtex")
    assert len(data.entries) == len(cases.papers())  # none dropped, none merged


@pytest.mark.skipif(shutil.which("bibtex") is None, reason="bibtex is not installed")
def test_bibtex_reads_the_export_of_every_case(cases: Library, tmp_path: Path) -> None:
    bib = _export(cases, Dialect.BIBTEX, tmp_path)
    assert bibtools.bibtex_errors(bib) == []
    bbl = (tmp_path / "bibtex-check.bbl").read_text(encoding="utf-8")
    assert bbl.count(r"\bibitem") == len(cases.papers())
    # What plain.bst prints of the titles: math and commands as written, braced words too.
    for printed in (r"{$O(n^2)$}", r"{\LaTeX{}}", "{Wikipedia}", "{BERT}", "{iPhones}"):
        assert printed in bbl
    for lowered in ("$o(n^2)$", r"\latex"):
        assert lowered not in bbl
    # Names as plain.bst writes them: a body whole, suffixes after the family name.
    assert "{The ATLAS Collaboration}" in bbl and "Martin~Luther King, Jr." in bbl
    assert "{Zhang, W., Li, X., Wang, Y.}" in bbl


@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed")
@pytest.mark.parametrize("dialect", list(Dialect))
def test_biber_reads_the_export_of_every_case(
    cases: Library, tmp_path: Path, dialect: Dialect
) -> None:
    assert bibtools.biber_errors(_export(cases, dialect, tmp_path)) == []


# -- braces -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "written"),
    [
        ("2401.00004", r"An unpaired \textbraceleft{} in a Mendeley title"),
        ("2401.00005", r"A stray \textbraceright{} brace and \{x\} sets"),
        ("2401.00006", r"Bounds on {$\lbrace x \mid x > 0$} sets"),
    ],
)
def test_a_brace_bibtex_cannot_pair_is_escaped(
    cases: Library, tmp_path: Path, ref: str, written: str
) -> None:
    (paper,) = [p for p in cases.papers() if p.arxiv_id == ref]
    bib = _export(cases, Dialect.BIBTEX, tmp_path, [paper])
    text = bib.read_text(encoding="utf-8")
    assert f"title         = {{{written}}}," in text
    assert bibtools.pybtex_errors(bib) == []


# -- citation keys ----------------------------------------------------------------------------


def test_keys_differing_only_in_case_are_one_key(library: Library) -> None:
    first = library.add(
        Paper(key="local-a-1", title="Upper", doi="10.1/a", citation_key="Kim_2019")
    )
    second = library.add(
        Paper(key="local-b-1", title="Lower", doi="10.1/b", citation_key="kim_2019")
    )
    out = export_bibtex(library, [second, first])
    assert "@misc{Kim_2019," in out and "@misc{kim_2019a," in out  # the one added first keeps it
    assert library.get("local-b-1").citation_key == "kim_2019a"  # saved: stable from now on
    # A new key is never one that exists in another case.
    third = library.add(Paper(key="local-c-1", title="Third", doi="10.1/c"))
    library.update("local-a-1", lambda p: setattr(p, "citation_key", "ANON2025THIRD"))
    third = library.add(Paper(key="local-d-1", title="Third", doi="10.1/d", published="2025"))
    assert assign_citation_keys(library, [third])[0].citation_key == "anon2025thirda"


def test_an_import_does_not_keep_a_key_another_paper_holds_in_another_case(
    library: Library,
) -> None:
    import_bibtex_text(library, bibcases.BIB)
    keys = [p.citation_key for p in library.papers() if p.citation_key]
    assert "Kim_2019" in keys and "kim_2019" not in keys
    keyed = assign_citation_keys(library, library.papers())
    folded = [p.citation_key.casefold() for p in keyed if p.citation_key]
    assert len(set(folded)) == len(folded)


def test_keys_kept_from_an_import_hold_only_what_biber_accepts(
    cases: Library, tmp_path: Path
) -> None:
    assert legal_key("O'Hara_1999") == "OHara_1999"
    assert legal_key("Müller:2020") == "Muller:2020"
    assert legal_key('a b,c{d}e#f%g"h(i)j=k\\l~m') == "abcdefghijklm"
    assert _key_of(cases, "10.1000/ohara", Dialect.BIBTEX, tmp_path) == "OHara_1999"
    assert _key_of(cases, "10.1000/mueller", Dialect.BIBTEX, tmp_path) == "Muller:2020"


def test_keys_of_non_ascii_names_are_transliterated() -> None:
    def key(author: str) -> str:
        paper = Paper.from_arxiv(parse("2501.00001"), title="Many-valued logic", authors=[author])
        return citation_key_base(paper)

    assert key("Jan Łukasiewicz") == "lukasiewicz2025manyvalued"
    assert key("Đorđe Đorđević") == "dordevic2025manyvalued"
    assert key("张伟").startswith("zhang")
    assert key("Дмитрий Иванов") == "ivanov2025manyvalued"
    assert key("Ødegaard, Åse") == "odegaard2025manyvalued"


# -- protection from lower-casing -----------------------------------------------------------


def test_math_commands_and_braced_words_keep_their_case_in_a_style(
    cases: Library, tmp_path: Path
) -> None:
    from pybtex.plugin import find_plugin

    bib = _export(cases, Dialect.BIBTEX, tmp_path)
    data = pybtex_database.parse_string(bib.read_text(encoding="utf-8"), "bibtex")
    style = find_plugin("pybtex.style.formatting", "plain")()
    printed = {
        e.key: e.text.render_as("latex") for e in style.format_entries(data.entries.values())
    }
    math = printed[_key_of(cases, "2301.00003", Dialect.BIBTEX, tmp_path)]
    assert r"$O(n^2)$" in math and r"\LaTeX" in math  # not $o(n^2)$, not \latex
    words = printed[_key_of(cases, "2401.00007", Dialect.BIBTEX, tmp_path)]
    assert "Wikipedia" in words and "BERT" in words and "iPhones" in words


# -- names ------------------------------------------------------------------------------------


def test_names_are_written_the_way_bibtex_reads_them(cases: Library, tmp_path: Path) -> None:
    bib = _export(cases, Dialect.BIBLATEX, tmp_path)

    def people(ref: str) -> list[pybtex_database.Person]:
        return list(_entry(bib, _key_of(cases, ref, Dialect.BIBLATEX, tmp_path)).persons["author"])

    (atlas,) = people("1207.7214")
    assert atlas.last_names == ["{The ATLAS Collaboration}"] and not atlas.first_names
    (cms,) = people("2401.00012")
    assert cms.last_names == ["{The CMS Collaboration}"]
    (listed,) = people("2101.00001")  # the braced list stays one braced name
    assert listed.last_names == ["{Zhang, W., Li, X., Wang, Y.}"]
    king, smith = people("2201.00002")
    assert (king.first_names, king.middle_names, king.last_names, king.lineage_names) == (
        ["Martin"],
        ["Luther"],
        ["King"],
        ["Jr."],
    )
    assert (smith.first_names, smith.last_names, smith.lineage_names) == (
        ["John"],
        ["Smith"],
        ["Jr."],
    )
    (davis,) = people("2401.00011")
    assert davis.last_names == ["Davis"] and davis.lineage_names == ["Jr."]


def test_name_forms() -> None:
    assert format_name("Ludwig van Beethoven Jr.") == "van Beethoven, Jr., Ludwig"
    assert format_name("Smith Jr.") == "Smith Jr."  # no given name: left to BibTeX
    assert format_name("Müller, Jörg", ascii_only=True) == 'M{\\"u}ller, J{\\"o}rg'
    assert format_name("Black and Decker") == "{Black and Decker}"
    assert format_name("Anna Group-Smith") == "Anna Group-Smith"  # a word, not a body
    assert format_name("Hengran Zhang") == "Hengran Zhang"


# -- BibLaTeX ---------------------------------------------------------------------------------


def test_eprintclass_only_for_new_style_ids_and_no_version_unless_pinned(
    cases: Library, tmp_path: Path
) -> None:
    bib = _export(cases, Dialect.BIBLATEX, tmp_path)
    old = _entry(bib, _key_of(cases, "hep-th/9901001", Dialect.BIBLATEX, tmp_path)).fields
    assert old["eprint"] == "hep-th/9901001" and "eprintclass" not in old
    assert old["url"] == "https://arxiv.org/abs/hep-th/9901001"
    new = _entry(bib, _key_of(cases, "2504.05220", Dialect.BIBLATEX, tmp_path)).fields
    assert (new["eprint"], new["eprintclass"]) == ("2504.05220", "cs.IR")
    assert new["url"] == "https://arxiv.org/abs/2504.05220"
    text = _export(cases, Dialect.BIBTEX, tmp_path).read_text(encoding="utf-8")
    assert "primaryClass  = {hep-th}" not in text and "primaryClass  = {cs.IR}" in text


def test_a_pinned_version_is_cited(library: Library) -> None:
    aid = parse("2504.05220v2")
    paper, _ = library.add_arxiv(aid, edited=pinned_version(aid), title="Pinned")
    for dialect in Dialect:
        out = export_bibtex(library, [paper], dialect)
        assert "{2504.05220v2}" in out and "{https://arxiv.org/abs/2504.05220v2}" in out
    unpinned, _ = library.add_arxiv(parse("2504.05221"), title="Not pinned")
    library.update(unpinned.key, lambda p: setattr(p, "arxiv_version", 3))
    out = export_bibtex(library, [library.get(unpinned.key)])
    assert "{2504.05221}" in out and "v3" not in out


def test_a_journal_reference_without_author_or_year_is_no_article(cases: Library) -> None:
    (paper,) = [p for p in cases.papers() if p.doi == "10.1000/noauthor"]
    for dialect, kind in ((Dialect.BIBTEX, "@misc{"), (Dialect.BIBLATEX, "@online{")):
        out = export_bibtex(cases, [paper], dialect)
        assert out.startswith(kind) and "howpublished = {Journal of Things 3}" in out
    # (pybtex's plain style stops at an @article without author or year: the strict test
    # over the whole library holds this paper.)


# -- a library that cannot be written ---------------------------------------------------------


def test_an_export_needs_no_write_to_the_library(library: Library, tmp_path: Path) -> None:
    library.add(Paper.from_arxiv(parse("2504.05220v1"), title="Leveraging", authors=["H. Zhang"]))
    # The lock file cannot be made: any write fails, as on a read-only library.
    lock = library.root / ".papershelf.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    before = (library.paper_dir("2504.05220") / "paper.json").read_bytes()
    out = export_bibtex(library, library.papers())
    assert out.startswith("@misc{zhang2025leveraging,")
    assert (library.paper_dir("2504.05220") / "paper.json").read_bytes() == before
    lock.rmdir()
    export_bibtex(library, library.papers())  # writable again: the same key is saved
    assert library.get("2504.05220").citation_key == "zhang2025leveraging"


def test_export_bibtex_to_a_file_works_on_a_read_only_library() -> None:
    """The real thing: ``papershelf export bibtex -o FILE`` run by a user who may not write
    the library (as root, who writes anything, the command runs as ``nobody``)."""
    as_nobody = os.geteuid() == 0
    if as_nobody:
        try:
            subprocess.run([sys.executable, "-c", "pass"], user=65534, check=True, timeout=60)
        except (OSError, subprocess.CalledProcessError) as e:
            pytest.skip(f"running as root, and nobody cannot run {sys.executable}: {e}")
    base = Path(tempfile.mkdtemp(prefix="papershelf-read-only-"))
    try:
        library = Library.open(base / "library")
        library.add(
            Paper.from_arxiv(parse("2504.05220v1"), title="Leveraging", authors=["H. Zhang"])
        )
        out = base / "out"
        out.mkdir()
        refs = out / "refs.bib"
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
        for name in ("CACHE_DIR", "CONFIG_DIR", "LOG_DIR"):
            env[f"PAPERSHELF_{name}"] = str(base / name.lower())
        for path in (base, out):
            path.chmod(0o777)
        for path in [library.root, *library.root.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        result = subprocess.run(
            [*PAPERSHELF, "--library", str(library.root), "export", "bibtex", "-o", str(refs)],
            capture_output=True,
            text=True,
            env=env,
            cwd=out,
            timeout=120,
            user=65534 if as_nobody else None,
        )
        assert result.returncode == 0, result.stderr
        assert "@misc{zhang2025leveraging," in refs.read_text(encoding="utf-8")
        assert library.get("2504.05220").citation_key is None  # nothing was written
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(base)
