"""The ``--json`` shapes of every command that has the option, pinned for scripts.

Each command runs on a small library built here and its output is compared with the JSON
written out below: the same keys in the same order, the same value types, and the same
values wherever they do not depend on the clock or the machine (those are checked by
pattern). The expectations were taken from the command line as it was before it became a
package (desktop_app/cli/); a change to them is a change for every script that reads them.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main
from desktop_app.core.arxiv.ids import parse
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from tests.helpers.pdfgen import write_pdf


class Like:
    """A value the clock or the machine decides: matched by type and a test."""

    def __init__(self, kind: type, test: Callable[[Any], bool], what: str) -> None:
        self.kind, self.test, self.what = kind, test, what

    def matches(self, value: object) -> bool:
        return type(value) is self.kind and self.test(value)

    def __repr__(self) -> str:
        return f"<{self.kind.__name__}: {self.what}>"


TIMESTAMP = Like(str, re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").fullmatch, "UTC time")
SCORE = Like(float, lambda v: v > 0, "a positive score")
SIZE = Like(int, lambda v: v > 0, "a positive size")
FOLDER = Like(str, lambda v: Path(v).is_absolute(), "an absolute path")


def check(actual: object, expected: object, where: str = "$") -> None:
    """``actual`` has ``expected``'s shape: keys in order, value types, values or patterns."""
    if isinstance(expected, Like):
        assert expected.matches(actual), f"{where}: {actual!r} is not {expected!r}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        assert list(actual) == list(expected), f"{where}: keys {list(actual)}"
        for key, value in expected.items():
            check(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: {actual!r} is not an array"
        assert len(actual) == len(expected), f"{where}: {len(actual)} items: {actual!r}"
        for i, (got, want) in enumerate(zip(actual, expected, strict=True)):
            check(got, want, f"{where}[{i}]")
    else:
        assert type(actual) is type(expected), f"{where}: {actual!r} is not a {type(expected)}"
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def paper(key: str, **values: object) -> dict[str, object]:
    """A paper's JSON (list, inbox, show, trash, add): paper.json's fields plus ``notes``."""
    arxiv = not key.startswith("local-")
    data: dict[str, object] = {
        "format": "papershelf-paper",
        "format_version": 1,
        "key": key,
        "arxiv_id": key if arxiv else None,
        "arxiv_version": 1 if arxiv else None,
        "title": "",
        "authors": [],
        "abstract": "",
        "categories": [],
        "published": None,
        "updated": None,
        "doi": None,
        "journal_ref": None,
        "comment": None,
        "source": None,
        "added": TIMESTAMP,
        "status": "unread",
        "status_changed": None,
        "started": None,
        "finished": None,
        "tags": [],
        "rating": 0,
        "last_page": 0,
        "page_count": None,
        "pdf_file": None,
        "pdf_state": "none",
        "pdf_error": None,
        "metadata_state": "none",
        "metadata_error": None,
        "latest_version": None,
        "citation_key": None,
        "edited": [],
        "digest_position": 0,
        "notes": "",
        "year": None,
        "has_notes": False,
    }
    for name, value in values.items():
        assert name in data, name
        data[name] = value
    return data


LEVERAGING = paper(
    "2504.05220",
    title="Leveraging LLMs for Utility-Focused Annotation",
    authors=["Hengran Zhang"],
    categories=["cs.IR"],
    published="2025-04-07",
    status="reading",
    tags=["rag"],
    notes="Worth a re-read.\n",
    year=2025,
    has_notes=True,
)
ALIGNMENT = paper(
    "2504.05217",
    title="LLM-Alignment Live-Streaming Recommendation",
    authors=["Yueyang Liu"],
    published="2025-04-07",
    status="new",
    status_changed=TIMESTAMP,
    tags=["recsys"],
    year=2025,
)
COPY = paper(
    "local-copy-1", title="Leveraging LLMs for utility-focused annotation", authors=["H. Zhang"]
)
GRAPHS = paper("2301.00002", title="Graph Neural Networks", year=2023)  # from the arXiv ID


@pytest.fixture
def shelf(filled: Library) -> Library:
    """Three papers (one in the inbox, one with notes, a local twin of it), one in the trash."""
    filled.set_status("2504.05217", Status.NEW)
    twin = Paper(
        key="local-copy-1",
        title="Leveraging LLMs for utility-focused annotation",
        authors=["H. Zhang"],
    )
    filled.add(twin)
    filled.write_notes("2504.05220", "Worth a re-read.")
    filled.add(Paper.from_arxiv(parse("2301.00002v1"), title="Graph Neural Networks"))
    filled.delete("2301.00002")
    return filled


def run(library: Library, *args: str, code: int = 0) -> tuple[object, str]:
    """The parsed JSON a command prints on stdout (offline), and its stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        returned = main(["--library", str(library.root), "--offline", *args])
    assert returned == code, (returned, out.getvalue(), err.getvalue())
    return json.loads(out.getvalue()), err.getvalue()


def test_list(shelf: Library) -> None:
    # By title: the order of papers added within a second is not the clock's. Titles equal
    # but for case: lower case first, as the window's QCollator orders them.
    check(run(shelf, "list", "--sort", "title", "--json")[0], [COPY, LEVERAGING, ALIGNMENT])


def test_inbox(shelf: Library) -> None:
    check(run(shelf, "inbox", "--json")[0], [ALIGNMENT])


def test_show(shelf: Library) -> None:
    check(run(shelf, "show", "2504.05220", "--json")[0], LEVERAGING)


def test_list_and_show_carry_every_key_of_a_search_hit(shelf: Library) -> None:
    """A script reads a paper from list, show and search alike (list had no ``year``)."""
    key = "2504.05220"
    hits = run(shelf, "search", "--json", "leveraging")[0]["hits"]  # type: ignore[index]
    hit = next(h for h in hits if h["key"] == key)
    listed = next(p for p in run(shelf, "list", "--json")[0] if p["key"] == key)  # type: ignore[attr-defined]
    shown = run(shelf, "show", "--json", key)[0]
    only_search = {"score", "snippets"}
    for data in (listed, shown):
        assert set(hit) - only_search <= set(data)  # type: ignore[arg-type]
        for key in set(hit) - only_search:
            assert type(data[key]) is type(hit[key]) or key in ("authors", "tags", "categories")  # type: ignore[index]
    assert shown["year"] == hit["year"] == 2025  # type: ignore[index]
    assert shown["has_notes"] == hit["has_notes"]  # type: ignore[index]


def test_trash(shelf: Library) -> None:
    check(run(shelf, "trash", "--json")[0], [GRAPHS])


def test_tags(shelf: Library) -> None:
    check(
        run(shelf, "tags", "--json")[0], [{"tag": "rag", "count": 1}, {"tag": "recsys", "count": 1}]
    )


def test_add(shelf: Library) -> None:
    data, err = run(shelf, "add", "--json", "2504.05224")
    added = paper("2504.05224", arxiv_version=None, metadata_state="pending", year=2025)
    check(data, [added])
    assert err == "Offline: 1 paper queued; 'papershelf fetch' fetches them when online.\n"


def test_search(shelf: Library) -> None:
    summary = {
        "key": "",
        "arxiv_id": None,
        "title": "",
        "authors": [],
        "year": None,
        "status": "unread",
        "tags": [],
        "added": TIMESTAMP,
        "rating": 0,
        "pdf_state": "none",
        "has_notes": False,
        "last_page": 0,
        "page_count": None,
        "categories": [],
        "annotations": 0,
        "metadata_state": "none",
        "score": SCORE,
        "snippets": [],
    }
    hits = [
        summary
        | {
            "key": "2504.05220",
            "arxiv_id": "2504.05220",
            "title": "Leveraging LLMs for Utility-Focused Annotation",
            "authors": ["Hengran Zhang"],
            "year": 2025,
            "status": "reading",
            "tags": ["rag"],
            "has_notes": True,
            "categories": ["cs.IR"],
            "snippets": [
                {
                    "field": "title",
                    "page": None,
                    "text": "Leveraging LLMs for Utility-Focused Annotation",
                    "html": "<b>Leveraging</b> LLMs for Utility-Focused Annotation",
                }
            ],
        },
        summary
        | {
            "key": "local-copy-1",
            "title": "Leveraging LLMs for utility-focused annotation",
            "authors": ["H. Zhang"],
            "snippets": [
                {
                    "field": "title",
                    "page": None,
                    "text": "Leveraging LLMs for utility-focused annotation",
                    "html": "<b>Leveraging</b> LLMs for utility-focused annotation",
                }
            ],
        },
    ]
    check(
        run(shelf, "search", "--json", "--sort", "year", "leveraging")[0],
        {
            "query": "leveraging",
            "total": 2,
            "hits": hits,
            "tag_counts": {"rag": 1},
            "status_counts": {"reading": 1, "unread": 1},
            "suggestion": None,
        },
    )
    nothing = run(shelf, "search", "--json", "--no-snippets", "levreaging")[0]
    check(
        nothing,
        {
            "query": "levreaging",
            "total": 0,
            "hits": [],
            "tag_counts": {},
            "status_counts": {},
            "suggestion": "leveraging",
        },
    )


def test_stats(shelf: Library) -> None:
    check(
        run(shelf, "stats", "--json")[0],
        {
            "papers": 3,
            "pdfs": 0,
            "pdfs_indexed": 0,
            "pdfs_pending": 0,
            "failures": [],
            "index_bytes": SIZE,
            "index_dir": FOLDER,
        },
    )


def test_duplicates(shelf: Library) -> None:
    data, err = run(shelf, "duplicates", "--json")
    check(data, [{"reason": "same title and first author", "keys": ["2504.05220", "local-copy-1"]}])
    assert err == "1 group of duplicates; 'papershelf duplicates --merge' merges them.\n"


def test_kept_exports(shelf: Library, tmp_path: Path) -> None:
    refs = tmp_path / "refs.bib"
    args = ["--library", str(shelf.root), "export", "bibtex", "tag:rag", "-o", str(refs)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*args, "--keep-updated"]) == 0
    check(
        run(shelf, "kept-exports", "--json")[0],
        [{"path": str(refs.resolve()), "format": "bibtex", "query": "tag:rag", "notes": False}],
    )


def test_import_digest(shelf: Library, tmp_path: Path) -> None:
    digest = tmp_path / "d.md"
    digest.write_text(
        "# Good\n\n**Link**: https://arxiv.org/abs/2504.05221\n\n---\n"
        "# Bad\n\n**Link**: [PDF](https://example.org/x.pdf)\n",
        encoding="utf-8",
    )
    check(
        run(shelf, "import-digest", "--json", str(digest))[0],
        [
            {
                "source": "d.md",
                "added": ["2504.05221"],
                "present": [],
                "updated": [],
                "dismissed": [],
                "skipped": [
                    {
                        "line": 6,
                        "reason": "'https://example.org/x.pdf' is not an arXiv identifier "
                        "(expected e.g. 2504.05220, hep-th/9901001 or an arxiv.org link)",
                        "title": "Bad",
                    }
                ],
            }
        ],
    )


def test_import_bibtex(shelf: Library, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@misc{a, eprint={2504.05222}, keywords={x}}\n@misc{b, title={none}}\n", encoding="utf-8"
    )
    data, err = run(shelf, "import-bibtex", "--json", str(bib))
    check(
        data,
        [
            {
                "source": str(bib),
                "read": 2,
                "added": ["2504.05222"],
                "updated": [],
                "present": [],
                "problems": [
                    {
                        "where": "refs.bib:2",
                        "message": "@misc{b} has no arXiv ID, arXiv link or DOI; not imported",
                        "skipped": True,
                    }
                ],
            }
        ],
    )
    assert err == "Offline: 1 paper queued; 'papershelf fetch' fetches them when online.\n"


def test_import_csv(shelf: Library, tmp_path: Path) -> None:
    table = tmp_path / "papers.csv"
    assert main(["--library", str(shelf.root), "export", "csv", "tag:rag", "-o", str(table)]) == 0
    other = Library.open(tmp_path / "other")
    data, _ = run(other, "import-csv", "--json", str(table))
    check(
        data,
        [
            {
                "source": str(table),
                "read": 1,
                "added": ["2504.05220"],
                "updated": [],
                "present": [],
                "problems": [],
            }
        ],
    )


def test_add_pdf(shelf: Library, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "x.pdf", ["A Title Here\narXiv:2504.05223v1 [cs.IR] 7 Apr 2025"])
    data, _ = run(shelf, "add-pdf", "--json", str(pdf))
    check(
        data,
        [
            {
                "source": "PDFs",
                "read": None,
                "added": ["2504.05223"],
                "updated": [],
                "present": [],
                "problems": [],
            }
        ],
    )


def test_annotations_and_annotate(shelf: Library, tmp_path: Path) -> None:
    from desktop_app.core.paper import FetchState

    pdf = write_pdf(shelf.paper_dir("2504.05220") / "2504.05220v1.pdf", ["We rank passages."])
    shelf.update("2504.05220", lambda p: setattr(p, "pdf_file", pdf.name))
    shelf.update("2504.05220", lambda p: setattr(p, "pdf_state", FetchState.DONE))
    uuid = Like(
        str,
        re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch,
        "a UUID",
    )
    when = Like(
        str, re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z").fullmatch, "UTC time, ms"
    )
    quad = Like(list, lambda q: len(q) == 8 and all(isinstance(v, float) for v in q), "8 points")
    sha = Like(str, re.compile(r"[0-9a-f]{64}").fullmatch, "a SHA-256")
    entry = {
        "id": uuid,
        "kind": "highlight",
        "color": "green",
        "page": 1,
        "quads": [quad],
        "pdf_file": "2504.05220v1.pdf",
        "pdf_sha256": sha,
        "text": "rank passages",
        "before": "We",
        "after": ".",
        "comment": "why?",
        "created": when,
        "modified": when,
    }
    data, _ = run(shelf, "annotate", "2504.05220", "--page", "1", "--text", "rank passages",
                  "--color", "green", "--comment", "why?", "--json")  # fmt: skip
    check(data, entry)
    data, _ = run(shelf, "annotations", "2504.05220", "--json")
    check(data, {"key": "2504.05220", "annotations": [entry]})
