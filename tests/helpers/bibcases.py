"""Small .bib and CSV files holding every case BibTeX export must survive (issue #14).

Each case is one entry or row, written by :func:`write_case_files`; :data:`CASES` names them
with what a tool did wrong with them before. Tests import these into a library and export it;
``python -m tests.helpers.bibcases [-v]`` (``make bibtex-check``) prints the error counts of
bibtex, biber and pybtex over that export, case by case (``-v``: the errors themselves).
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper

#: (case, what it holds, the arXiv IDs or DOIs of its papers): one line of the table each.
CASES = (
    ("escaped-brace", r"a title with an unpaired \{ (Mendeley writes them)", ("2401.00004",)),
    ("stray-brace", "a title with a stray } and a balanced escaped pair", ("2401.00005",)),
    ("math-brace", r"math holding an unpaired \{", ("2401.00006",)),
    ("key-case", "keys Kim_2019 and kim_2019", ("10.1000/kim.upper", "10.1000/kim.lower")),
    ("key-chars", "keys O'Hara_1999 and Müller:2020", ("10.1000/ohara", "10.1000/mueller")),
    ("math-command", r"$O(n^2)$ and \LaTeX{} in a title", ("2301.00003",)),
    ("braced-words", "{Wikipedia}, {BERT}, iPhones in a title", ("2401.00007",)),
    ("corporate", "{The ATLAS Collaboration}, The CMS Collaboration", ("1207.7214", "2401.00012")),
    ("name-list", "a braced list of names {Zhang, W., Li, X., Wang, Y.}", ("2101.00001",)),
    ("suffix", "King Jr.; Smith, Jr., John; Davis Jr.", ("2201.00002", "2401.00011")),
    ("non-ascii", "Łukasiewicz, Đorđević, 张伟", ("2401.00008", "2401.00009", "2401.00010")),
    ("old-id", "hep-th/9901001v2 with its category", ("hep-th/9901001",)),
    ("version", "2504.05220v3 (eprint and url without the version)", ("2504.05220",)),
    ("incomplete-article", "a journal reference, no author, no year", ("10.1000/noauthor",)),
)  # fmt: skip

BIB = r"""% Cases of issue #14, as other tools write them.
@article{Kim_2019,
  author  = {Kim, Min-jun},
  title   = {Upper case key},
  journal = {Journal of Keys},
  year    = {2019},
  doi     = {10.1000/kim.upper},
}
@article{kim_2019,
  author  = {Kim, Seo-yeon},
  title   = {Lower case key},
  journal = {Journal of Keys},
  year    = {2019},
  doi     = {10.1000/kim.lower},
}
@article{O'Hara_1999,
  author  = {O'Hara, Maureen},
  title   = {A key with a quote},
  journal = {Journal of Keys},
  year    = {1999},
  doi     = {10.1000/ohara},
}
@misc{Müller:2020,
  author  = {Müller, Jörg},
  title   = {A key with an umlaut},
  year    = {2020},
  doi     = {10.1000/mueller},
}
@misc{atlas,
  author        = {{The ATLAS Collaboration}},
  title         = {Observation of a new particle},
  year          = {2012},
  eprint        = {1207.7214},
  archivePrefix = {arXiv},
  primaryClass  = {hep-ex},
}
@misc{list,
  author        = {{Zhang, W., Li, X., Wang, Y.}},
  title         = {A braced list of names},
  year          = {2021},
  eprint        = {2101.00001},
  archivePrefix = {arXiv},
}
@misc{king,
  author        = {Martin Luther King Jr. and Smith, Jr., John},
  title         = {Names with suffixes},
  year          = {2022},
  eprint        = {2201.00002},
  archivePrefix = {arXiv},
}
@misc{math,
  author        = {Knuth, Donald E.},
  title         = {An $O(n^2)$ Algorithm for \LaTeX{} Documents},
  year          = {2023},
  eprint        = {2301.00003},
  archivePrefix = {arXiv},
  primaryClass  = {cs.DS},
}
@misc{old,
  author        = {Witten, Edward},
  title         = {An old-style identifier},
  year          = {1999},
  eprint        = {hep-th/9901001v2},
  archivePrefix = {arXiv},
  primaryClass  = {hep-th},
}
@misc{versioned,
  author        = {Hengran Zhang},
  title         = {Leveraging {LLMs} for Utility-Focused Annotation},
  year          = {2025},
  eprint        = {2504.05220v3},
  archivePrefix = {arXiv},
  primaryClass  = {cs.IR},
}
"""

#: Text as other tools keep it: CSV cells are not LaTeX-decoded, so TeX and braces stay.
CSV = (
    "arxiv_id,title,authors,published,doi,journal_ref\r\n"
    "2401.00004,An unpaired \\{ in a Mendeley title,Ada Lovelace,2024-01-02\r\n"
    "2401.00005,A stray } brace and \\{x\\} sets,Alan Turing,2024-01-03\r\n"
    "2401.00006,Bounds on $\\{x \\mid x > 0$ sets,Emmy Noether,2024-01-04\r\n"
    '2401.00007,"Learning from {Wikipedia} with {BERT} and iPhones",Grace Hopper,2024-01-05\r\n'
    "2401.00008,Many-valued logic,Jan Łukasiewicz,2024-01-06\r\n"
    "2401.00009,Serbian names,Đorđe Đorđević,2024-01-07\r\n"
    "2401.00010,Chinese names,张伟; 李明,2024-01-08\r\n"
    "2401.00011,Names with suffixes from a sheet,Sammy Davis Jr.,2024-01-09\r\n"
    "2401.00012,Corporate authors from a sheet,The CMS Collaboration,2024-01-10\r\n"
    ",A published paper with no author,,,10.1000/noauthor,Journal of Things 3\r\n"
)


def write_case_files(folder: Path) -> list[Path]:
    """Write ``cases.bib`` and ``cases.csv`` (UTF-8) into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    bib = folder / "cases.bib"
    bib.write_text(BIB, encoding="utf-8")
    csv = folder / "cases.csv"
    csv.write_bytes(CSV.encode("utf-8"))
    return [bib, csv]


def case_of(paper: Paper) -> str | None:
    """The case of :data:`CASES` a paper of the imported files belongs to."""
    ref = paper.arxiv_id or paper.doi
    return next((name for name, _, refs in CASES if ref in refs), None)


def import_cases(library: Library, folder: Path) -> None:
    """Import the case files (written into ``folder``) into ``library``."""
    from desktop_app.core.interop.bibtex_import import import_bibtex
    from desktop_app.core.interop.spreadsheet import import_csv

    bib, csv = write_case_files(folder)
    import_bibtex(library, bib)
    import_csv(library, csv)


def _main() -> None:  # pragma: no cover - the closing note's table
    """Error counts per case and tool, each case exported alone, then all together."""
    import sys
    import tempfile

    from desktop_app.core.interop.export import export_papers
    from tests.helpers import bibtools

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        library = Library.open(root / "library")
        import_cases(library, root / "in")
        papers = sorted(library.papers(), key=lambda p: p.key)
        groups = [(name, [p for p in papers if case_of(p) == name]) for name, _, _ in CASES]
        print("case\tbibtex\tbiber (bibtex)\tpybtex (bibtex)\tbiber (biblatex)\tpybtex (biblatex)")
        for name, group in [*groups, ("all", papers)]:
            counts = []
            for fmt in ("bibtex", "biblatex"):
                out = root / f"{name}-{fmt}.bib"
                out.write_text(export_papers(library, group, fmt), encoding="utf-8")
                for tool, errors in bibtools.all_errors(out, fmt).items():
                    counts.append("-" if errors is None else str(len(errors)))
                    if name == "all" and "-v" in sys.argv:
                        print(f"  {fmt} {tool}:", *errors or [], sep="\n    ")
            print(name, *counts, sep="\t")


if __name__ == "__main__":
    _main()
