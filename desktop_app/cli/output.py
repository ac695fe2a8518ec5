"""What the command line prints: tables, the progress line, papers in words, every JSON shape.

The ``--json`` output is a contract with the user's scripts: each shape is built by one
function here (``paper_json``, ``hit_json``, ...), and tests/cli/test_json_golden.py pins
them all. Text for people goes to stdout, news and warnings to stderr; on a terminal a
table's last column is cut to the window's width, and long jobs show one progress line on
stderr, rewritten in place.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from desktop_app.core import textfiles
from desktop_app.core.errors import DamagedFile
from desktop_app.core.library import NOTES_FILE, Library, ScanResult
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.words import printable

if TYPE_CHECKING:
    from desktop_app.core.annotations.model import Annotation
    from desktop_app.core.feeds.fetching import FeedReport
    from desktop_app.core.feeds.specs import Feed
    from desktop_app.core.interop.digest import DigestReport
    from desktop_app.core.interop.duplicates import DuplicateGroup
    from desktop_app.core.interop.importing import ImportReport
    from desktop_app.core.interop.kept_exports import KeptExport
    from desktop_app.core.listing import Row
    from desktop_app.core.search.api import Hit, IndexStats, SearchResults

JsonObject = dict[str, Any]

# -- tables ---------------------------------------------------------------------------------


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide East Asian characters take two)."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, with an ellipsis when cut."""
    if text_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = text_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Aligned columns; on a terminal the last column is cut to the window's width.

    Headers that are all empty are not printed (a report rather than a table).
    """
    rows = [[printable(cell, one_line=True) for cell in row] for row in rows]
    lines = [headers, *rows] if any(headers) else list(rows)
    if not lines:
        return
    widths = [max(text_width(row[i]) for row in lines) for i in range(len(headers) - 1)]
    room = None
    if sys.stdout.isatty():
        room = max(shutil.get_terminal_size().columns - sum(widths) - 2 * len(widths), 20)
    for row in lines:
        cells = [cell + " " * (widths[i] - text_width(cell)) for i, cell in enumerate(row[:-1])]
        last = fit(row[-1], room) if room else row[-1]
        print("  ".join([*cells, last]).rstrip())


def print_papers(library: Library, papers: Sequence[Paper], *, as_json: bool) -> None:
    """Papers as a table (ID, status, year, title and tags), or as JSON."""
    if as_json:
        print_json(papers_json(library, papers))
        return
    print_rows(papers)


def print_rows(papers: Sequence[Paper | Row]) -> None:
    """Papers (or their list rows) as a table: ID, status, year, title and tags."""
    rows = []
    for p in papers:
        title = p.title or "(title not fetched yet)"
        if p.tags:
            title += "  [" + ", ".join(p.tags) + "]"
        rows.append([p.display_id, str(p.status), str(p.year or ""), title])
    print_table(["ID", "STATUS", "YEAR", "TITLE"], rows)


def report_damaged(scan: ScanResult | Sequence[DamagedFile]) -> None:
    """A warning on stderr for each paper folder a scan could not read."""
    for error in scan.errors if isinstance(scan, ScanResult) else scan:
        print(f"papershelf: warning: {error} (skipped)", file=sys.stderr)


# -- the progress line ----------------------------------------------------------------------


class ProgressLine:
    """One line on stderr that shows where a long job stands, rewritten in place.

    On a terminal every step rewrites the line and :meth:`clear` wipes it; elsewhere
    nothing is shown, but the last step when ``always`` (a job that was asked for, such
    as ``reindex``). Called as a :data:`~desktop_app.core.progress.Progress`, it shows
    ``label NN%``; :meth:`show` shows any text. As a context manager it clears itself.
    """

    def __init__(self, label: str = "", *, always: bool = False) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.always = always
        self.shown = False

    def show(self, text: str, *, last: bool = False) -> None:
        if self.tty:
            sys.stderr.write(f"\r\x1b[K{text}")
            sys.stderr.flush()
            self.shown = True
        elif self.always and last:
            print(text, file=sys.stderr)

    def __call__(self, done: int, total: int) -> None:
        if total == 0:
            return
        self.show(f"{self.label} {100 * done // total}%", last=done == total)

    def clear(self) -> None:
        if self.tty and self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.clear()


# -- papers in words ------------------------------------------------------------------------


def day(iso: str | None) -> str:
    """The date of an ISO timestamp."""
    return (iso or "")[:10]


def stars(rating: int) -> str:
    """``★★★☆☆ (3/5)``, or ``not rated``."""
    return "★" * rating + "☆" * (5 - rating) + f" ({rating}/5)" if rating else "not rated"


def describe_status(paper: Paper) -> str:
    """The read status with its dates: ``reading, since 2025-04-07, page 3 of 12``."""
    text = {
        Status.NEW: "new (in the inbox)",
        Status.UNREAD: "unread",
        Status.READING: "reading",
        Status.READ: "read",
    }[paper.status]
    if paper.status is Status.READING and paper.started:
        text += f", since {day(paper.started)}"
    if paper.status is Status.READING and paper.last_page:
        text += f", page {paper.last_page}" + (
            f" of {paper.page_count}" if paper.page_count else ""
        )
    if paper.status is Status.READ and paper.finished:
        text += f" on {day(paper.finished)}"
        if paper.started and day(paper.started) != day(paper.finished):
            text += f" (started {day(paper.started)})"
    return text


def describe_fetch(state: FetchState, error: str | None) -> str:
    """Where the fetch of a paper's metadata or PDF stands."""
    return {
        FetchState.NONE: "not fetched",
        FetchState.PENDING: "queued, fetched when online",
        FetchState.DONE: "fetched",
        FetchState.FAILED: f"failed: {error or 'unknown error'}",
    }[state]


def plain_snippet(text: str, color: bool) -> str:
    """A snippet's text, with the matched words in bold when ``color`` (the PDF's own
    control characters are never passed on to the terminal)."""
    from desktop_app.core.search.api import HIGHLIGHT_END, HIGHLIGHT_START

    marks = (HIGHLIGHT_START, HIGHLIGHT_END)
    parts = re.split(f"({re.escape(HIGHLIGHT_START)}|{re.escape(HIGHLIGHT_END)})", text)
    return "".join(
        (part if color else "") if part in marks else printable(part, one_line=True)
        for part in parts
    )


# -- JSON -----------------------------------------------------------------------------------


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def paper_json(library: Library, paper: Paper, folder: Path | None = None) -> JsonObject:
    """The stable JSON form of a paper: paper.json's fields plus ``notes``, and the fields a
    search hit has that paper.json has not (``year``, ``has_notes``), so a script reads
    ``list``, ``show`` and ``search`` output alike.

    ``folder`` is the paper's folder when it is not in the library's papers (the trash).
    """
    data = paper.to_dict()
    notes = (folder or library.paper_dir(paper.key)) / NOTES_FILE
    try:
        data["notes"] = textfiles.read_text(notes)
    except OSError:
        data["notes"] = ""
    data["year"] = paper.year
    data["has_notes"] = bool(data["notes"].strip())
    from desktop_app.core.annotations.store import ANNOTATIONS_FILE, read_file

    marks = (folder or library.paper_dir(paper.key)) / ANNOTATIONS_FILE
    try:
        data["annotations"] = len(read_file(marks).live)
    except DamagedFile:
        data["annotations"] = 0  # reported where annotations are read (annotations ID)
    return data


def papers_json(library: Library, papers: Sequence[Paper]) -> list[JsonObject]:
    """``list``, ``inbox``, ``add``: the papers of the library."""
    return [paper_json(library, p) for p in papers]


def trash_json(library: Library, papers: Sequence[Paper]) -> list[JsonObject]:
    """``trash``: the papers in the trash, notes read from their folder there."""
    return [paper_json(library, p, library.trash_dir / p.key) for p in papers]


def tags_json(counts: dict[str, int], tags: Sequence[str]) -> list[JsonObject]:
    """``tags``: each tag (in the order given) with its number of papers."""
    return [{"tag": t, "count": counts[t]} for t in tags]


def digest_report_json(report: DigestReport) -> JsonObject:
    """``import-digest``: what one digest brought, and the entries skipped with their line."""
    return {
        "source": report.source,
        "added": list(report.added),
        "present": list(report.present),
        "updated": list(report.updated),
        "dismissed": list(report.dismissed),
        "skipped": [{"line": s.line, "reason": s.reason, "title": s.title} for s in report.skipped],
    }


def import_report_json(source: str, report: ImportReport) -> JsonObject:
    """``import-bibtex``, ``import-csv``, ``add-pdf``: what one source brought: entries
    read (null for PDFs), added, updated and present keys (the digest's names), and each
    problem with whether its entry was skipped."""
    return {
        "source": source,
        "read": report.read,
        "added": report.added,
        "updated": report.joined,
        "present": report.unchanged,
        "problems": [
            {"where": p.where, "message": p.message, "skipped": p.skipped} for p in report.problems
        ],
    }


def hit_json(hit: Hit) -> JsonObject:
    """A search hit: the paper's summary, its score and its snippets."""
    data = dataclasses.asdict(hit.summary)
    data["score"] = round(hit.score, 4)
    data["snippets"] = [
        {"field": s.field, "page": s.page, "text": plain_snippet(s.text, False), "html": s.html}
        for s in hit.snippets
    ]
    return data


def search_json(results: SearchResults) -> JsonObject:
    """``search``: the hits shown, the number of papers found, the counts and suggestion."""
    return {
        "query": results.query,
        "total": results.total,
        "hits": [hit_json(h) for h in results.hits],
        "tag_counts": results.tag_counts,
        "status_counts": results.status_counts,
        "suggestion": results.suggestion,
    }


def stats_json(stats: IndexStats) -> JsonObject:
    """``stats``: the index's coverage and the PDFs that could not be read."""
    return {
        "papers": stats.papers,
        "pdfs": stats.pdfs,
        "pdfs_indexed": stats.pdfs_indexed,
        "pdfs_pending": stats.pending,
        "failures": [{"key": k, "reason": r} for k, r in stats.failures],
        "index_bytes": stats.index_bytes,
        "index_dir": str(stats.index_dir),
    }


def duplicates_json(groups: Sequence[DuplicateGroup]) -> list[JsonObject]:
    """``duplicates``: each group's reason and keys, the one a merge keeps first."""
    return [{"reason": g.reason, "keys": [p.key for p in g.papers]} for g in groups]


def annotations_json(key: str, items: Sequence[Annotation]) -> JsonObject:
    """A paper's annotations: each entry as annotations.json stores it."""
    return {"key": key, "annotations": [a.to_dict() for a in items]}


def kept_export_json(kept: KeptExport) -> JsonObject:
    """``kept-exports --json``: one file kept up to date."""
    return {"path": kept.path, "format": kept.format, "query": kept.query, "notes": kept.notes}


def feeds_json(feeds: Sequence[Feed], counts: dict[str, int]) -> list[JsonObject]:
    """``feed list``: each feed, what it asks arXiv, its dates and its papers in the inbox."""
    return [
        {
            "name": f.name,
            "query": f.query,
            "added": f.added,
            "newest": f.newest,
            "fetched": f.fetched,
            "queued": f.queued,
            "inbox": counts.get(f.name, 0),
        }
        for f in feeds
    ]


def feed_report_json(report: FeedReport) -> JsonObject:
    """``feed fetch``: the papers added, each feed's outcome, and why it stopped if it did."""
    return {
        "added": report.added,
        "feeds": [
            {
                "name": r.name,
                "added": r.added,
                "present": r.also,
                "dismissed": r.dismissed,
                "new_versions": r.versions,
                "published": r.published,
                "error": r.error,
            }
            for r in report.feeds
        ],
        "queued": report.queued,
        "stopped": report.stopped,
    }


def ranked_json(
    library: Library, scored: Sequence[tuple[Paper, float | None, str]]
) -> list[JsonObject]:
    """``inbox --sort likely``: the papers in that order, each with its score (the chance
    it is kept, None without a model) and why."""
    return [paper_json(library, p) | {"score": _round(s), "why": why} for p, s, why in scored]


def _round(score: float | None) -> float | None:
    return None if score is None else round(score, 4)
