"""BibTeX/BibLaTeX: citation keys, what the entries hold, real .bib files, round trips."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bibtexparser.entrypoint import parse_string

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.errors import ImportFileError
from desktop_app.core.interop.bibtex import (
    Dialect,
    assign_citation_keys,
    citation_key_base,
    export_bibtex,
)
from desktop_app.core.interop.bibtex_import import import_bibtex, import_bibtex_text, parse_bibtex
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from tests.helpers.files import testdata as shared_file


def _leveraging(aid: str = "2504.05220v1", **values: object) -> Paper:
    fields: dict[str, object] = {
        "title": "Leveraging LLMs for Utility-Focused Annotation: Reducing Manual Effort",
        "authors": ["Hengran Zhang", "Minghao Tang", "Keping Bi"],
        "published": "2025-04-07",
        "categories": ["cs.IR", "cs.CL"],
        "abstract": "Retrieval models rely on costly human labels & 50% of the $\\alpha$ budget.",
    }
    fields.update(values)
    return Paper.from_arxiv(parse(aid), **fields)  # type: ignore[arg-type]


def _failed(text: str) -> list[object]:
    return list(parse_string(text).failed_blocks)


# -- citation keys ------------------------------------------------------------------------------


def test_citation_keys_read_author_year_word() -> None:
    assert citation_key_base(_leveraging()) == "zhang2025leveraging"
    paper = Paper.from_arxiv(
        parse("0704.0001"),
        title="The Calculation of Prompt Diphoton Production",
        authors=["C. Balázs", "E. L. Berger"],
    )
    assert citation_key_base(paper) == "balazs2007calculation"  # ASCII, stop word skipped
    paper = Paper.from_arxiv(parse("2504.00001"), title="On $\\alpha$-Nets", authors=[])
    assert citation_key_base(paper) == "anon2025nets"


def test_keys_are_unique_saved_and_stable(library: Library) -> None:
    first = library.add(_leveraging())
    twin = library.add(_leveraging("2504.09999", title="Leveraging more things"))
    out = export_bibtex(library, [first, twin])
    assert "@misc{zhang2025leveraging," in out and "@misc{zhang2025leveraginga," in out
    assert library.get("2504.05220").citation_key == "zhang2025leveraging"
    # Renaming the paper or exporting again never changes a key a manuscript cites.
    library.update("2504.05220", lambda p: setattr(p, "title", "Other words"))
    assert export_bibtex(library, [library.get("2504.09999")]).startswith(
        "@misc{zhang2025leveraginga,"
    )
    assert export_bibtex(library, [library.get("2504.05220")]).startswith(
        "@misc{zhang2025leveraging,"
    )


def test_a_key_in_the_trash_is_not_given_again(library: Library) -> None:
    assign_citation_keys(library, [library.add(_leveraging())])
    library.delete("2504.05220")
    twin = library.add(_leveraging("2504.09999"))
    assert assign_citation_keys(library, [twin])[0].citation_key == "zhang2025leveraginga"


# -- export -------------------------------------------------------------------------------------


def test_bibtex_entry_has_the_arxiv_fields_bibtex_styles_expect(library: Library) -> None:
    out = export_bibtex(library, [library.add(_leveraging(tags=["rag", "llm/eval"]))])
    assert out.startswith("@misc{zhang2025leveraging,\n")
    for line in (
        "title         = {Leveraging {LLMs} for Utility-Focused Annotation: Reducing Manual "
        "Effort},",
        "author        = {Hengran Zhang and Minghao Tang and Keping Bi},",
        "year          = {2025},",
        "month         = apr,",
        "eprint        = {2504.05220},",  # no version: the reader gets the latest
        "archivePrefix = {arXiv},",
        "primaryClass  = {cs.IR},",
        "url           = {https://arxiv.org/abs/2504.05220},",
        "keywords      = {rag, llm/eval},",
    ):
        assert line in out
    assert r"human labels \& 50\% of the $\alpha$ budget" in out
    assert _failed(out) == []


def test_biblatex_entry_has_eprinttype_and_a_date(library: Library) -> None:
    out = export_bibtex(library, [library.add(_leveraging())], Dialect.BIBLATEX)
    assert out.startswith("@online{zhang2025leveraging,\n")
    for field in ("date        = {2025-04-07}", "eprinttype  = {arxiv}", "eprintclass = {cs.IR}"):
        assert field in out
    assert "archivePrefix" not in out and "year" not in out


def test_a_published_paper_is_an_article_with_journal_and_doi(library: Library) -> None:
    paper = library.add(
        _leveraging(doi="10.1145/3726302.3730000", journal_ref="Proc. SIGIR 2025, 1-10")
    )
    bib = export_bibtex(library, [paper])
    assert bib.startswith("@article{")
    assert "journal       = {Proc. SIGIR 2025, 1-10}," in bib
    assert "doi           = {10.1145/3726302.3730000}," in bib
    assert "journaltitle = {Proc. SIGIR 2025, 1-10}" in export_bibtex(
        library, [paper], Dialect.BIBLATEX
    )


def test_non_ascii_names_and_special_characters_survive(library: Library) -> None:
    paper = library.add(
        _leveraging(
            title="Über {BERT}: 100% of Müller's x_1 & #tags ~ fine",
            authors=["Jörg Müller", "Łukasz Kaiser", "Marcos Fernández Pichel", "李明"],
        )
    )
    bibtex = export_bibtex(library, [paper])
    assert 'J{\\"o}rg M{\\"u}ller and {\\L}ukasz Kaiser' in bibtex  # classic BibTeX: ASCII
    assert "李明" in bibtex  # no TeX spelling: left to inputenc/biber
    biblatex = export_bibtex(library, [paper], Dialect.BIBLATEX)
    assert "Jörg Müller and Łukasz Kaiser" in biblatex  # biber reads Unicode
    for text in (bibtex, biblatex):
        assert _failed(text) == []
        entry = parse_bibtex(text).entries[0]
        assert entry.fields["title"] == "Über BERT: 100% of Müller's x_1 & #tags   fine"


@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed")
def test_biber_reads_the_biblatex_output(library: Library, tmp_path: Path) -> None:
    paper = library.add(_leveraging(authors=["Jörg Müller"], tags=["a_b"]))
    bib = tmp_path / "refs.bib"
    bib.write_text(export_bibtex(library, [paper], Dialect.BIBLATEX), encoding="utf-8")
    result = subprocess.run(
        ["biber", "--tool", "--validate-datamodel", str(bib)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout


# -- import -------------------------------------------------------------------------------------

MESSY = r"""% A library exported by hand, with everything BibTeX allows.
@string{sigir = "Proceedings of SIGIR"}
@String{MyName = {M{\"u}ller, J{\"o}rg}}
@comment{@article{ignored, title={not an entry}}}

@inproceedings{muller2020,
  author    = MyName # " and O'Neil, S{\'e}an and {van der Berg}, Anna and {Simon and Schuster}",
  title     = {The {BERT} Model: {\"U}ber {\'e}t{\'e} \& more},
  booktitle = sigir # " 2020",
  year      = 2020,
  month     = jul,
  eprint    = {2504.05220v2},
  archivePrefix = {arXiv},
  primaryClass  = {cs.IR},
  keywords  = {rag, Retrieval; llm/eval},
  note      = {Read this twice.},
  annote    = {Key figure on p.~3.},
}

@misc{muller2020,
  title = {Same key, another paper},
  doi   = {10.1000/other},
}

@article{broken,
  title = {A closing brace is missing
  author = {Nobody},

@misc{scholar, title={Google Scholar style}, journal={arXiv preprint arXiv:2201.03176}, year={2022}}
@online{zotero,
  title = {Zotero style}, eprint = {http://arxiv.org/abs/2005.00220v1}, eprinttype = {arXiv},
  eprintclass = {astro-ph.IM, astro-ph.SR, I.2.10},
  doi = {10.48550/arXiv.2005.00220}, date = {2020-05-01},
}
@misc{bydoi, title={Only the DOI}, doi={https://doi.org/10.48550/arXiv.hep-th/9901001}}
@book{nothing, title = {No identifier at all}}
"""


def test_a_messy_file_imports_as_expected(library: Library) -> None:
    report = import_bibtex_text(library, MESSY, "messy.bib")
    arxiv_keys = [k for k in report.added if not k.startswith("local-")]
    assert arxiv_keys == ["2504.05220", "2201.03176", "2005.00220", "hep-th_9901001"]
    assert len(report.added) == 5
    problems = [str(p) for p in report.problems]
    assert problems == [
        "messy.bib:20: the key 'muller2020' was used before (line 6); both entries are imported",
        "messy.bib:25: the entry @article{broken} is malformed: unexpected block start: "
        "`@misc`. Was still looking for field-value closing `}` (at line 29); not imported",
        "messy.bib:36: @book{nothing} has no arXiv ID, arXiv link or DOI; not imported",
    ]
    paper = library.get("2504.05220")
    assert paper.title == "The BERT Model: Über été & more"
    assert paper.authors == [
        "Jörg Müller",
        "Séan O'Neil",
        "Anna van der Berg",
        "Simon and Schuster",
    ]
    assert (paper.arxiv_version, paper.published, paper.categories) == (2, "2020-07", ["cs.IR"])
    assert paper.journal_ref == "Proceedings of SIGIR 2020"
    assert paper.tags == ["rag", "Retrieval", "llm/eval"]
    assert paper.citation_key == "muller2020"
    assert paper.metadata_state is FetchState.PENDING and paper.status is Status.UNREAD
    assert library.read_notes("2504.05220") == "Key figure on p. 3.\n\nRead this twice.\n"
    zotero = library.get("2005.00220")
    assert zotero.arxiv_version == 1 and zotero.categories == ["astro-ph.IM", "astro-ph.SR"]
    assert zotero.doi is None and zotero.published == "2020-05-01"
    local = next(p for p in library.papers() if p.doi == "10.1000/other")
    assert local.arxiv_id is None and local.title == "Same key, another paper"
    assert local.citation_key is None  # the key belongs to the first entry
    assert library.get("hep-th/9901001").title == "Only the DOI"


def test_importing_again_adds_nothing(library: Library) -> None:
    import_bibtex_text(library, MESSY)
    again = import_bibtex_text(library, MESSY)
    assert again.added == [] and again.joined == [] and len(again.unchanged) == 5
    assert len(library) == 5


def test_an_entry_of_a_paper_in_the_library_joins_it(library: Library) -> None:
    library.add(_leveraging(tags=["mine"], status=Status.READING))
    library.write_notes("2504.05220", "My notes.")
    report = import_bibtex_text(
        library, "@misc{x, eprint={2504.05220v3}, keywords={theirs}, annote={Their notes.}}"
    )
    assert report.joined == ["2504.05220"] and len(library) == 1
    paper = library.get("2504.05220")
    assert paper.tags == ["mine", "theirs"] and paper.status is Status.READING
    assert paper.latest_version == 3 and paper.arxiv_version == 1  # "v3 available"
    assert library.read_notes("2504.05220") == "My notes.\n\nTheir notes.\n"


def test_the_real_bibtex_files_import_whole(library: Library) -> None:
    folder = shared_file("bibtex")
    for name, count in (
        ("arxiv_browse_formatter_on_arxiv_test_abs.bib", 6),
        ("arxiv2bib_on_its_test_fixture.bib", 2),
    ):
        report = import_bibtex(library, folder / name)
        assert len(report.added) == count and report.problems == [], report.problems
    assert sorted(library.keys()) == [
        "0704.0001", "0906.3421", "1001.1001", "1205.1001", "1501.00001",
        "cs_0012007", "hep-th_9901001", "math_0202001",
    ]  # fmt: skip
    balazs = library.get("0704.0001")
    assert balazs.citation_key == "balázs2007calculationpromptdiphotonproduction"
    assert balazs.authors[0] == "C. Balázs" and balazs.doi == "10.1103/PhysRevD.76.013009"
    judge = library.get("1001.1001")
    assert judge.arxiv_version == 1 and judge.categories == ["astro-ph.SR"]
    assert judge.title == (
        "The chromosphere: gateway to the corona, or the purgatory of solar physics?"
    )
    assert judge.published == "2010-01"


def test_an_unreadable_file_is_an_error_and_latin1_is_read(
    library: Library, tmp_path: Path
) -> None:
    with pytest.raises(ImportFileError, match=r"missing\.bib"):
        import_bibtex(library, tmp_path / "missing.bib")
    old = tmp_path / "old.bib"
    old.write_bytes("@misc{a, title={Caf\xe9}, eprint={2504.05220}}".encode("latin-1"))
    import_bibtex(library, old)
    assert library.get("2504.05220").title == "Café"


# -- round trips --------------------------------------------------------------------------------

KEPT = ("arxiv_id", "arxiv_version", "title", "authors", "abstract", "doi", "journal_ref")
KEPT += ("tags", "citation_key")


@pytest.mark.parametrize("dialect", list(Dialect))
def test_export_then_import_gives_the_same_papers(
    library: Library, tmp_path: Path, dialect: Dialect
) -> None:
    papers = [
        library.add(_leveraging(tags=["rag", "llm/eval"])),
        library.add(
            Paper.from_arxiv(
                parse("hep-th/9901001v2"),
                title="String Junctions and Their Duals in {H}eterotic String Theory",
                authors=["Yosuke Imamura", "Jörg Müller Jr.", "Simon and Schuster"],
                published="1999-01-04",
                categories=["hep-th"],
                doi="10.1143/PTP.101.1155",
                journal_ref="Prog. Theor. Phys. 101 (1999) 1155",
            )
        ),
        library.add(Paper(key="local-x-1", title="A local paper", doi="10.1000/x_y", tags=["c"])),
    ]
    library.write_notes("2504.05220", "Notes with 50% & $x_1$, {braces}\n\n- a \\command\n")
    out = export_bibtex(library, papers, dialect, with_notes=True)
    other = Library.open(tmp_path / "other")
    report = import_bibtex_text(other, out)
    assert report.problems == [] and len(report.added) == 3
    for paper in library.papers():
        (copy,) = [p for p in other.papers() if (p.arxiv_id, p.doi) == (paper.arxiv_id, paper.doi)]
        expected = {k: getattr(paper, k) for k in KEPT}
        expected["title"] = expected["title"].replace("{H}", "H")  # braces only protect case
        expected["arxiv_version"] = None  # cited without version, as arXiv's export does
        assert {k: getattr(copy, k) for k in KEPT} == expected
        # BibTeX holds the primary category, of new-style IDs only (an old-style ID holds
        # it: hep-th/9901001); arXiv's metadata, fetched after an import, brings them all.
        old_style = paper.arxiv is not None and paper.arxiv.is_old_style
        assert copy.categories == ([] if old_style else paper.categories[:1])
        assert copy.year == paper.year
        if dialect is Dialect.BIBLATEX:
            assert copy.published == paper.published
        assert other.read_notes(copy.key) == library.read_notes(paper.key)
