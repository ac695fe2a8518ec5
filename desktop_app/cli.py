"""The ``papershelf`` command line: a thin layer over ``desktop_app.core``.

Exit status: 0 on success, 1 for a user error (one line on stderr), 2 for bad usage.
With no command, the desktop app opens.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import __version__
from desktop_app.core import conflicts, paths
from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import (
    DigestError,
    EditConflict,
    InvalidArxivId,
    InvalidValue,
    PapershelfError,
)
from desktop_app.core.interop import digest
from desktop_app.core.library import NOTES_FILE, AddOutcome, Library, ScanResult
from desktop_app.core.paper import FetchState, Paper, Status, normalize_tag, tag_filter
from desktop_app.core.search.api import HIGHLIGHT_END, HIGHLIGHT_START, Hit, SortOrder
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural, title_sort_key

if TYPE_CHECKING:
    from desktop_app.core.arxiv import fetch
    from desktop_app.core.search.whoosh.index import WhooshIndex

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2


class Context:
    """What a command works on, built lazily from the global options."""

    def __init__(self, library_arg: Path | None) -> None:
        self.library_arg = library_arg

    @cached_property
    def library_path(self) -> Path:
        """--library, else ``paths.default_library`` (the environment, the settings, Documents)."""
        if self.library_arg is not None:
            return self.library_arg
        return paths.default_library(self._loaded_settings[0].library_path)

    @cached_property
    def library(self) -> Library:
        library = Library.open(self.library_path)
        # Every change a command makes goes to the search index at once.
        library.observers.append(_IndexObserver(self))
        return library

    @cached_property
    def index(self) -> WhooshIndex:
        """The library's search index (opened on first use, built when missing)."""
        from desktop_app.core.search.whoosh.index import WhooshIndex

        return WhooshIndex(self.library, observe=False)

    def close(self) -> None:
        if "index" in self.__dict__:
            self.index.close()

    @cached_property
    def _loaded_settings(self) -> tuple[Settings, list[str]]:
        return Settings.load()  # read once, whether for the library's path or a command

    @cached_property
    def settings(self) -> Settings:
        """The user's settings; what could not be used is said on stderr."""
        settings, notices = self._loaded_settings
        for notice in notices:
            print(f"papershelf: warning: {notice}", file=sys.stderr)
        return settings


Command = Callable[[Context, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="papershelf",
        description="Keep your reading list of arXiv papers offline. "
        "Without a command, the desktop app opens.",
    )
    parser.add_argument("--version", action="version", version=f"papershelf {__version__}")
    parser.add_argument(
        "--library",
        metavar="PATH",
        type=Path,
        help=f"the library folder (default: ${paths.ENV_LIBRARY} or ~/Documents/Papershelf)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="never contact arXiv: fetches wait in the queue (as the offline setting does)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # One function per feature adds its commands (each sets ``func`` to a Command).
    _add_library_commands(sub)
    _add_conflict_commands(sub)
    _add_fetch_commands(sub)
    _add_search_commands(sub)
    _add_interop_commands(sub)
    return parser


Subparsers = argparse._SubParsersAction  # the type add_subparsers() returns


def _add_library_commands(sub: Subparsers) -> None:  # type: ignore[type-arg]
    """The commands of the library: import-digest, add, list, show, tag, status, ..."""
    statuses = [s.value for s in Status]

    p = sub.add_parser(
        "import-digest",
        help="import daily arXiv digests (Markdown) into the inbox",
        description="Import daily arXiv digests in Markdown. New papers land in the inbox "
        "(status new) unless --status unread is given; papers already in the library only get "
        "the metadata they miss; dismissed papers are not brought back. Nothing is downloaded "
        "unless --fetch is given.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", type=Path, help="a digest .md file")
    p.add_argument("--status", choices=["new", "unread"], default="new", help="default: new")
    p.add_argument("--json", action="store_true", help="print what was done as JSON")
    p.add_argument(
        "--fetch",
        action="store_true",
        help="queue the PDF of every paper of the digests, and fetch them (unless offline)",
    )
    p.set_defaults(func=_cmd_import_digest)

    p = sub.add_parser(
        "add",
        help="add papers by arXiv ID or link",
        description="Add papers by arXiv ID, arxiv.org link or DOI (any form; pasted text "
        "with several IDs works too). Their metadata, and their PDF unless --no-pdf, are "
        "fetched from arXiv; offline, or when arXiv cannot be reached, the paper is created "
        "from its ID and the fetches wait in the queue ('papershelf fetch').",
    )
    p.add_argument("refs", nargs="+", metavar="ID-OR-URL")
    p.add_argument("--json", action="store_true", help="print the papers as JSON")
    p.add_argument("--no-pdf", action="store_true", help="fetch the metadata only")
    p.set_defaults(func=_cmd_add)

    p = sub.add_parser("list", help="list the papers of the library")
    p.add_argument("--status", choices=statuses, help="only papers with this status")
    p.add_argument("--tag", help="only papers with this tag (or a tag below it: rag/…)")
    p.add_argument("--sort", choices=["added", "title", "year"], default="added")
    p.add_argument("--reverse", action="store_true", help="reverse the order")
    p.add_argument("--json", action="store_true", help="print the papers as JSON")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("inbox", help="list the papers to triage (status new)")
    p.add_argument("--json", action="store_true", help="print the papers as JSON")
    p.set_defaults(func=_cmd_inbox)

    p = sub.add_parser("show", help="show one paper: metadata, status, tags, notes")
    p.add_argument("ref", metavar="ID")
    p.add_argument("--json", action="store_true", help="print the paper as JSON")
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser("tag", help="add or remove tags (repeat --add/--remove for several)")
    p.add_argument("refs", nargs="+", metavar="ID")
    p.add_argument("--add", action="append", default=[], metavar="TAG", help="add TAG")
    p.add_argument("--remove", action="append", default=[], metavar="TAG", help="remove TAG")
    p.set_defaults(func=_cmd_tag, parser=p)

    p = sub.add_parser("tags", help="list the tags with the number of papers of each")
    p.add_argument("--json", action="store_true", help="print the tags as JSON")
    p.set_defaults(func=_cmd_tags)

    p = sub.add_parser(
        "tag-rename",
        help="rename a tag on every paper (or merge it into an existing one)",
        description="Rename a tag on every paper; tags below it follow (rag/eval becomes "
        "NEW/eval). Renaming onto a tag that exists merges the two.",
    )
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.set_defaults(func=_cmd_tag_rename)

    p = sub.add_parser("status", help="set the read status: new, unread, reading, read")
    p.add_argument("refs", nargs="+", metavar="ID")
    p.add_argument("status", choices=statuses, metavar="{" + ",".join(statuses) + "}")
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("keep", help="keep papers from the inbox (status unread)")
    p.add_argument("refs", nargs="+", metavar="ID")
    p.set_defaults(func=_cmd_keep)

    p = sub.add_parser(
        "dismiss", help="dismiss papers from the inbox (to the trash; digests skip them)"
    )
    p.add_argument("refs", nargs="+", metavar="ID")
    p.set_defaults(func=_cmd_dismiss)

    p = sub.add_parser("rate", help="rate a paper from 0 (no rating) to 5")
    p.add_argument("ref", metavar="ID")
    p.add_argument("rating", type=int, metavar="N")
    p.set_defaults(func=_cmd_rate)

    p = sub.add_parser(
        "note",
        help="print, set, append to or edit a paper's notes",
        description="Without an option, print the notes. TEXT '-' reads standard input. "
        "--edit opens $VISUAL or $EDITOR on the notes.",
    )
    p.add_argument("ref", metavar="ID")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--set", metavar="TEXT", help="replace the notes ('' deletes them)")
    group.add_argument("--append", metavar="TEXT", help="add a paragraph at the end")
    group.add_argument("--edit", action="store_true", help="edit the notes in $EDITOR")
    p.set_defaults(func=_cmd_note)

    p = sub.add_parser("rm", help="move papers to the trash (restore brings them back)")
    p.add_argument("refs", nargs="+", metavar="ID")
    p.set_defaults(func=_cmd_rm)

    p = sub.add_parser("restore", help="bring papers back from the trash")
    p.add_argument("refs", nargs="+", metavar="ID")
    p.set_defaults(func=_cmd_restore)

    p = sub.add_parser("trash", help="list the papers in the trash (--empty removes them)")
    p.add_argument("--empty", action="store_true", help="remove the papers in the trash for good")
    p.add_argument("--json", action="store_true", help="print the papers as JSON")
    p.set_defaults(func=_cmd_trash)


# -- output helpers -------------------------------------------------------------------------


def _text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide East Asian characters take two)."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, with an ellipsis when cut."""
    if _text_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _text_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Aligned columns; on a terminal the last column is cut to the window's width.

    Headers that are all empty are not printed (a report rather than a table).
    """
    lines = [headers, *rows] if any(headers) else list(rows)
    if not lines:
        return
    widths = [max(_text_width(row[i]) for row in lines) for i in range(len(headers) - 1)]
    room = None
    if sys.stdout.isatty():
        room = max(shutil.get_terminal_size().columns - sum(widths) - 2 * len(widths), 20)
    for row in lines:
        cells = [cell + " " * (widths[i] - _text_width(cell)) for i, cell in enumerate(row[:-1])]
        last = _fit(row[-1], room) if room else row[-1]
        print("  ".join([*cells, last]).rstrip())


def _paper_json(library: Library, paper: Paper, folder: Path | None = None) -> dict[str, Any]:
    """The stable JSON form of a paper: paper.json's fields plus ``notes``."""
    data = paper.to_dict()
    notes = (folder or library.paper_dir(paper.key)) / NOTES_FILE
    try:
        data["notes"] = notes.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        data["notes"] = ""
    return data


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _print_papers(library: Library, papers: Sequence[Paper], *, as_json: bool) -> None:
    if as_json:
        _print_json([_paper_json(library, p) for p in papers])
        return
    rows = []
    for p in papers:
        title = p.title or "(title not fetched yet)"
        if p.tags:
            title += "  [" + ", ".join(p.tags) + "]"
        rows.append([p.display_id, p.status.value, str(p.year or ""), title])
    _print_table(["ID", "STATUS", "YEAR", "TITLE"], rows)


def _report_damaged(scan: ScanResult) -> None:
    for error in scan.errors:
        print(f"papershelf: warning: {error} (skipped)", file=sys.stderr)


def _for_each(refs: Sequence[str], action: Callable[[str], None]) -> int:
    """Run ``action`` on each reference; a failing one is reported and the rest go on."""
    status = EXIT_OK
    for ref in refs:
        try:
            action(ref)
        except PapershelfError as e:
            print(f"papershelf: error: {e}", file=sys.stderr)
            status = EXIT_USER_ERROR
    return status


def _read_arg(text: str) -> str:
    """A TEXT argument; ``-`` reads standard input."""
    return sys.stdin.read() if text == "-" else text


# -- the commands ---------------------------------------------------------------------------


def _cmd_import_digest(ctx: Context, args: argparse.Namespace) -> int:
    status = Status.parse(args.status)
    reports = []
    exit_status = EXIT_OK
    for path in args.files:
        try:
            report = digest.import_digest(ctx.library, path, status)
        except DigestError as e:
            print(f"papershelf: error: {e}", file=sys.stderr)
            exit_status = EXIT_USER_ERROR
            continue
        reports.append(report)
        if not args.json:
            print(f"{path.name}: {report.summary()}")
            for skipped in report.skipped:
                print(f"  skipped {skipped}")
    if args.json:
        _print_json([r.to_dict() for r in reports])
    elif reports and sum(len(r.added) for r in reports) and status is Status.NEW:
        print(
            "See them with 'papershelf inbox'; "
            "keep or dismiss them with 'papershelf keep|dismiss ID…'."
        )
    if args.fetch and reports:
        keys = [k for r in reports for k in (*r.added, *r.updated, *r.present)]
        exit_status = max(exit_status, _fetch_pdfs_of(ctx, args, keys))
    return exit_status


def _parse_refs(refs: Sequence[str]) -> tuple[list[ArxivId], list[InvalidArxivId]]:
    """The arXiv IDs named in ``refs`` (each paper once), and the refs that name none.

    A ref is an ID or link in any form, or pasted text holding several.
    """
    aids: dict[str, ArxivId] = {}
    errors: list[InvalidArxivId] = []
    for ref in refs:
        try:
            found = [arxiv_id.parse(ref)]
        except InvalidArxivId as e:
            found = arxiv_id.find_all(ref)
            if not found:
                errors.append(e)
        for aid in found:
            aids.setdefault(aid.id, aid)
    return list(aids.values()), errors


def _add_offline(library: Library, aids: Sequence[ArxivId]) -> list[tuple[Paper, AddOutcome]]:
    """Add papers from their IDs alone: their metadata is marked to be fetched."""
    return [library.add_arxiv(aid, status=Status.UNREAD) for aid in aids]


def _cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    aids, errors = _parse_refs(args.refs)
    for error in errors:
        print(f"papershelf: error: {error}", file=sys.stderr)
    results, fetched = _fetch_added(ctx, args, _add_offline(ctx.library, aids))
    exit_status = EXIT_USER_ERROR if errors or not fetched else EXIT_OK
    if args.json:
        _print_papers(ctx.library, [paper for paper, _ in results], as_json=True)
        return exit_status
    if not results:
        return exit_status
    notes = {
        AddOutcome.ADDED: "metadata to fetch",
        AddOutcome.PRESENT: "already in the library",
        AddOutcome.RESTORED: "back from the trash",
    }
    _print_table(
        ["", "", ""],
        [
            [outcome.value, paper.display_id, paper.title or f"({notes[outcome]})"]
            for paper, outcome in results
        ],
    )
    return exit_status


def _cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    scan = ctx.library.scan()
    _report_damaged(scan)
    papers = scan.papers
    if args.status:
        papers = [p for p in papers if p.status.value == args.status]
    if args.tag:
        holds = tag_filter(args.tag)
        papers = [p for p in papers if holds(p.tags)]
    papers = _sorted(papers, args.sort, args.reverse)
    if args.json:
        _print_papers(ctx.library, papers, as_json=True)
    elif not papers:
        print("No papers." if not scan.papers else "No papers match.")
    else:
        _print_papers(ctx.library, papers, as_json=False)
        print(plural(len(papers), "paper"))
    return EXIT_OK


def _sorted(papers: Sequence[Paper], order: str, reverse: bool = False) -> list[Paper]:
    """Papers by date added (oldest first), title (A to Z) or year (oldest first)."""
    if order == "title":
        return sorted(papers, key=lambda p: (title_sort_key(p.title), p.key), reverse=reverse)
    if order == "year":
        return sorted(
            papers, key=lambda p: (p.year or 0, p.published or "", p.key), reverse=reverse
        )
    return sorted(papers, key=lambda p: (p.added, p.key), reverse=reverse)


def _cmd_inbox(ctx: Context, args: argparse.Namespace) -> int:
    scan = ctx.library.scan()
    _report_damaged(scan)
    papers = _sorted([p for p in scan.papers if p.status is Status.NEW], "added")
    if args.json:
        _print_papers(ctx.library, papers, as_json=True)
    elif not papers:
        print("The inbox is empty.")
    else:
        _print_papers(ctx.library, papers, as_json=False)
        print(
            f"{plural(len(papers), 'paper')} to triage: 'papershelf keep ID…' keeps, "
            "'papershelf dismiss ID…' dismisses."
        )
    return EXIT_OK


def _cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    library = ctx.library
    paper = library.get(args.ref)
    if args.json:
        _print_json(_paper_json(library, paper))
        return EXIT_OK
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    print(paper.title or "(title not fetched yet)")
    lines: list[tuple[str, str]] = []
    aid = paper.arxiv
    if aid is not None:
        newer = f"  (v{paper.latest_version} available)" if paper.has_update else ""
        lines.append(("arXiv", f"{aid.canonical}  {aid.abs_url()}{newer}"))
    else:
        lines.append(("Key", paper.key))
    lines.append(("Authors", ", ".join(paper.authors) or "-"))
    if paper.published:
        dates = paper.published
        if paper.updated and paper.updated != paper.published:
            dates += f" (updated {paper.updated})"
        lines.append(("Published", dates))
    if paper.categories:
        lines.append(("Categories", ", ".join(paper.categories)))
    for label, value in (
        ("Journal", paper.journal_ref),
        ("DOI", paper.doi),
        ("Comment", paper.comment),
    ):
        if value:
            lines.append((label, value))
    lines.append(("Status", _describe_status(paper)))
    lines.append(("Tags", ", ".join(paper.tags) or "-"))
    lines.append(("Rating", _stars(paper.rating)))
    lines.append(
        ("Added", f"{_day(paper.added)}" + (f" from {paper.source}" if paper.source else ""))
    )
    pdf = library.pdf_path(paper)
    lines.append(("PDF", str(pdf) if pdf else _describe_fetch(paper.pdf_state, paper.pdf_error)))
    if paper.metadata_state is not FetchState.NONE and paper.metadata_state is not FetchState.DONE:
        lines.append(("Metadata", _describe_fetch(paper.metadata_state, paper.metadata_error)))
    lines.append(("Folder", str(library.paper_dir(paper.key))))
    label_width = max(len(label) for label, _ in lines) + 2
    for label, value in lines:
        wrapped = textwrap.wrap(
            value, max(width - label_width - 2, 30), break_on_hyphens=False
        ) or [""]
        print(f"  {label:<{label_width}}{wrapped[0]}")
        for more in wrapped[1:]:
            print(" " * (label_width + 2) + more)
    if paper.abstract:
        print("\nAbstract")
        for paragraph in paper.abstract.split("\n"):
            print(
                textwrap.fill(
                    paragraph,
                    width - 2,
                    initial_indent="  ",
                    subsequent_indent="  ",
                    break_on_hyphens=False,
                )
            )
    notes = library.read_notes(paper.key)
    if notes.strip():
        print("\nNotes")
        print(textwrap.indent(notes.rstrip("\n"), "  "))
    return EXIT_OK


def _day(iso: str | None) -> str:
    return (iso or "")[:10]


def _stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating) + f" ({rating}/5)" if rating else "not rated"


def _describe_status(paper: Paper) -> str:
    text = {
        Status.NEW: "new (in the inbox)",
        Status.UNREAD: "unread",
        Status.READING: "reading",
        Status.READ: "read",
    }[paper.status]
    if paper.status is Status.READING and paper.started:
        text += f", since {_day(paper.started)}"
    if paper.status is Status.READING and paper.last_page:
        text += f", page {paper.last_page}" + (
            f" of {paper.page_count}" if paper.page_count else ""
        )
    if paper.status is Status.READ and paper.finished:
        text += f" on {_day(paper.finished)}"
        if paper.started and _day(paper.started) != _day(paper.finished):
            text += f" (started {_day(paper.started)})"
    return text


def _describe_fetch(state: FetchState, error: str | None) -> str:
    return {
        FetchState.NONE: "not fetched",
        FetchState.PENDING: "queued, fetched when online",
        FetchState.DONE: "fetched",
        FetchState.FAILED: f"failed: {error or 'unknown error'}",
    }[state]


def _cmd_tag(ctx: Context, args: argparse.Namespace) -> int:
    if not args.add and not args.remove:
        args.parser.error("give at least one --add TAG or --remove TAG")
    if args.add and not any(normalize_tag(t) for t in args.add):
        raise InvalidValue("a tag cannot be empty")

    def change(ref: str) -> None:
        def edit(paper: Paper) -> None:
            paper.remove_tags(args.remove)
            paper.add_tags(args.add)

        paper = ctx.library.update(ref, edit)
        print(f"{paper.display_id}  tags: {', '.join(paper.tags) or '-'}")

    return _for_each(args.refs, change)


def _cmd_tags(ctx: Context, args: argparse.Namespace) -> int:
    scan = ctx.library.scan()
    _report_damaged(scan)
    counts = ctx.library.tag_counts(scan.papers)
    tags = sorted(counts, key=lambda t: (t.casefold(), t))
    if args.json:
        _print_json([{"tag": t, "count": counts[t]} for t in tags])
    elif not tags:
        print("No tags.")
    else:
        width = len(str(max(counts.values())))
        for tag in tags:
            print(f"{counts[tag]:>{width}}  {tag}")
    return EXIT_OK


def _cmd_tag_rename(ctx: Context, args: argparse.Namespace) -> int:
    changed = ctx.library.rename_tag(args.old, args.new)
    if not changed:
        raise InvalidValue(f"no paper has the tag {normalize_tag(args.old)!r}")
    print(
        f"Renamed the tag {normalize_tag(args.old)!r} to {normalize_tag(args.new)!r} "
        f"on {plural(len(changed), 'paper')}."
    )
    return EXIT_OK


def _cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    status = Status.parse(args.status)

    def change(ref: str) -> None:
        paper = ctx.library.set_status(ref, status)
        print(f"{paper.display_id}  {_describe_status(paper)}")

    return _for_each(args.refs, change)


def _cmd_keep(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.arxiv import fetch

    def keep(ref: str) -> None:
        before = ctx.library.get(ref).status
        paper = fetch.keep_paper(ctx.library, ref, ctx.settings)
        if before is Status.NEW:
            queued = paper.pdf_state is FetchState.PENDING
            print(f"kept {paper.display_id} (unread{', PDF queued' * queued})")
        else:
            print(f"{paper.display_id} is not in the inbox ({paper.status.value}): unchanged")

    return _for_each(args.refs, keep)


def _cmd_dismiss(ctx: Context, args: argparse.Namespace) -> int:
    def dismiss(ref: str) -> None:
        key = ctx.library.dismiss(ref)
        print(f"dismissed {key} (in the trash; later digests will not bring it back)")

    return _for_each(args.refs, dismiss)


def _cmd_rate(ctx: Context, args: argparse.Namespace) -> int:
    paper = ctx.library.set_rating(args.ref, args.rating)
    print(f"{paper.display_id}  {_stars(paper.rating)}")
    return EXIT_OK


def _cmd_note(ctx: Context, args: argparse.Namespace) -> int:
    library = ctx.library
    key = library.resolve(args.ref)
    if args.set is not None:
        library.write_notes(key, _read_arg(args.set))
    elif args.append is not None:
        text = _read_arg(args.append)
        if not text.strip():
            raise InvalidValue("nothing to append: the text is empty")
        library.append_notes(key, text)
    elif args.edit:
        _edit_notes(library, key)
    else:
        sys.stdout.write(library.read_notes(key))
    return EXIT_OK


def _edit_notes(library: Library, key: str) -> None:
    """Open the notes in the user's editor; save them unless they changed meanwhile."""
    before = library.read_notes(key)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        editor = "notepad" if os.name == "nt" else "vi"
    fd, name = tempfile.mkstemp(prefix=f"papershelf-{key}-", suffix=".md")
    tmp = Path(name)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(before)
    try:
        result = subprocess.run([*shlex.split(editor, posix=os.name != "nt"), str(tmp)])
    except OSError as e:
        tmp.unlink()
        raise PapershelfError(f"cannot start the editor {editor!r}: {e.strerror or e}") from e
    if result.returncode != 0:
        tmp.unlink()
        raise PapershelfError(
            f"the editor {editor!r} exited with status {result.returncode}; notes unchanged"
        )
    text = tmp.read_text(encoding="utf-8")
    if text == before:
        tmp.unlink()
        print("Notes unchanged.")
        return
    try:
        library.write_notes(key, text, expected=before)
    except EditConflict as e:
        raise EditConflict(f"{e}; your version is kept in {tmp}") from None
    tmp.unlink()
    print(f"Saved the notes of {key}.")


def _cmd_rm(ctx: Context, args: argparse.Namespace) -> int:
    def rm(ref: str) -> None:
        key = ctx.library.delete(ref)
        print(f"moved {key} to the trash ('papershelf restore {key}' brings it back)")

    return _for_each(args.refs, rm)


def _cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    def restore(ref: str) -> None:
        paper = ctx.library.restore(ref)
        print(f"restored {paper.display_id} ({paper.status.value})")

    return _for_each(args.refs, restore)


def _cmd_trash(ctx: Context, args: argparse.Namespace) -> int:
    library = ctx.library
    if args.empty:
        count = library.empty_trash()
        print(f"Emptied the trash: {plural(count, 'paper')} removed for good.")
        return EXIT_OK
    papers = library.trash()
    if args.json:
        _print_json([_paper_json(library, p, library.trash_dir / p.key) for p in papers])
    elif not papers:
        print("The trash is empty.")
    else:
        _print_table(
            ["ID", "HOW", "TITLE"],
            [
                [
                    p.display_id,
                    "dismissed" if p.extra.get("dismissed") else "deleted",
                    p.title or "(no title)",
                ]
                for p in papers
            ],
        )
        print(
            f"{plural(len(papers), 'paper')} in the trash; "
            "'papershelf restore ID…' brings one back."
        )
    return EXIT_OK


def _add_conflict_commands(sub: Subparsers) -> None:  # type: ignore[type-arg]
    """``conflicts``: the conflict copies sync tools left in paper folders, and their merge."""
    p = sub.add_parser(
        "conflicts",
        help="list the conflict copies of Syncthing, Dropbox or Nextcloud (--merge merges them)",
        description="List the conflict copies that Syncthing, Dropbox or Nextcloud left in the "
        "library's paper folders. With --merge, fold them into paper.json and notes.md: tags "
        "united, notes kept from both, the later status wins. Nothing is deleted: the copies "
        "and the files as they were go to <library>/.merged/<key>/.",
    )
    p.add_argument("--merge", action="store_true", help="merge every conflict copy found")
    p.set_defaults(func=_cmd_conflicts)


def _cmd_conflicts(ctx: Context, args: argparse.Namespace) -> int:
    library = ctx.library
    found = conflicts.find_conflicts(library)
    if not found:
        print("No conflict copies.")
        return EXIT_OK
    if not args.merge:
        for copy in found:
            print(f"{copy.key}\t{copy.name}\t{copy.describe()}")
        papers = len({c.key for c in found})
        print(
            f"{plural(len(found), 'conflict copy', 'conflict copies')} in "
            f"{plural(papers, 'paper')}; 'papershelf conflicts --merge' merges them.",
            file=sys.stderr,
        )
        return EXIT_OK
    merged = skipped = 0
    for result in conflicts.merge_all(library):
        for copy in result.merged:
            print(f"merged\t{copy.key}\t{copy.name}")
        for error in result.skipped:
            print(f"papershelf: not merged: {error}", file=sys.stderr)
        merged += len(result.merged)
        skipped += len(result.skipped)
    print(
        f"Merged {plural(merged, 'conflict copy', 'conflict copies')}; they are kept in "
        f"{library.root / conflicts.MERGED_DIR}.",
        file=sys.stderr,
    )
    return EXIT_USER_ERROR if skipped else EXIT_OK


# -- fetching from arXiv --------------------------------------------------------------------


def _add_fetch_commands(sub: Subparsers) -> None:  # type: ignore[type-arg]
    """fetch and check-updates (add, keep and import-digest --fetch queue fetches too)."""
    p = sub.add_parser(
        "fetch",
        help="fetch the queued metadata and PDFs from arXiv",
        description="Fetch what waits in the queue: metadata of papers added by ID, PDFs of "
        "papers kept or added. Requests are spaced as arXiv asks (3 s for the API, 1 s for "
        "PDFs). After arXiv denied access (HTTP 403) nothing is fetched until --resume.",
    )
    p.add_argument("refs", nargs="*", metavar="ID", help="only these papers (default: all)")
    p.add_argument(
        "--resume", action="store_true", help="fetch again after arXiv denied access (403)"
    )
    p.add_argument(
        "--retry-failed", action="store_true", help="queue the failed fetches again first"
    )
    p.add_argument(
        "--list", action="store_true", help="list the queue and the failed fetches, fetch nothing"
    )
    p.set_defaults(func=_cmd_fetch)

    p = sub.add_parser(
        "check-updates",
        help="ask arXiv for newer versions of the papers",
        description="Ask arXiv for the latest version of every paper (100 per request) and "
        "list the papers with a newer version than the one held.",
    )
    p.set_defaults(func=_cmd_check_updates)


def _fetch_settings(ctx: Context, args: argparse.Namespace) -> Settings:
    """The settings, offline when --offline is given."""
    if getattr(args, "offline", False) and not ctx.settings.offline:
        return dataclasses.replace(ctx.settings, offline=True)
    return ctx.settings


def _run_fetch(
    ctx: Context, args: argparse.Namespace, keys: Sequence[str] | None = None
) -> fetch.FetchReport:
    """Drain the queue (of ``keys``), with progress on a terminal.

    Failed fetches and a 403 are errors on stderr; why the run stopped otherwise (no
    network) is left to the caller: for ``add`` it is news, for ``fetch`` an error.
    """
    from desktop_app.core.arxiv import fetch
    from desktop_app.core.arxiv.api import ArxivClient

    settings = _fetch_settings(ctx, args)
    fetcher = fetch.Fetcher(ctx.library, ArxivClient(settings), settings)
    show = _FetchProgressLine() if sys.stderr.isatty() else None
    try:
        report = fetcher.run(show, keys=keys)
    finally:
        if show is not None:
            show.clear()
    for failure in report.failed:
        what = "PDF" if failure.stage is fetch.Stage.PDF else "metadata"
        print(
            f"papershelf: error: {failure.key}: the {what} could not be fetched: {failure.reason}",
            file=sys.stderr,
        )
    if report.denied:
        print(f"papershelf: error: {report.stopped}", file=sys.stderr)
    return report


def _fetch_now(
    ctx: Context, args: argparse.Namespace, keys: Sequence[str], what: str, *, summary: bool = False
) -> fetch.FetchReport | None:
    """After add or an import: fetch the queued ``keys`` now; None when offline.

    What is not the command's answer is news: on stdout, or on stderr under --json. Offline,
    or when the run stops early (no network), the news says the fetches wait in the queue.
    """
    news = sys.stderr if args.json else sys.stdout
    if _fetch_settings(ctx, args).offline:
        print(
            f"Offline: {plural(len(keys), what)} queued; "
            "'papershelf fetch' fetches them when online.",
            file=news,
        )
        return None
    report = _run_fetch(ctx, args, keys)
    if summary:
        print(f"Fetched: {report.summary()}.", file=news)
    if report.stopped and not report.denied:
        print(f"Queued: {report.stopped}.", file=news)
    return report


class _FetchProgressLine:
    """One line on stderr that shows where a fetch stands, rewritten in place."""

    def __call__(self, p: fetch.FetchProgress) -> None:
        from desktop_app.core.arxiv import fetch

        if p.stage is fetch.Stage.METADATA:
            text = f"metadata {p.done}/{p.total}"
        else:
            size = f" {p.bytes_done // 1024} KB" if p.bytes_done else ""
            if p.bytes_total and p.bytes_done:
                size += f" of {p.bytes_total // 1024} KB"
            text = f"PDF {min(p.done + 1, p.total)}/{p.total} {p.key or ''}{size}"
        sys.stderr.write("\r\x1b[K" + text)
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _fetch_added(
    ctx: Context, args: argparse.Namespace, results: list[tuple[Paper, AddOutcome]]
) -> tuple[list[tuple[Paper, AddOutcome]], bool]:
    """``add``: queue the new papers' PDFs (unless --no-pdf), fetch when online.

    Returns the papers as they are after the fetch, and False when a fetch failed.
    """
    from desktop_app.core.arxiv import fetch

    keys = [paper.key for paper, outcome in results if outcome is not AddOutcome.PRESENT]
    if not keys:
        return results, True
    if not args.no_pdf and _fetch_settings(ctx, args).fetch_pdfs_automatically:
        fetch.queue_pdfs(ctx.library, keys)
    report = _fetch_now(ctx, args, keys, "paper")
    if report is None:
        return results, True
    papers = [(ctx.library.get(paper.key), outcome) for paper, outcome in results]
    return papers, not (report.failed or report.denied)


def _fetch_pdfs_of(ctx: Context, args: argparse.Namespace, keys: Sequence[str]) -> int:
    """``import-digest --fetch``: queue the PDFs of these papers and fetch them when online."""
    from desktop_app.core.arxiv import fetch

    queued = fetch.queue_pdfs(ctx.library, keys)
    if not queued:
        return EXIT_OK
    report = _fetch_now(ctx, args, queued, "PDF", summary=True)
    if report is None:
        return EXIT_OK
    return EXIT_USER_ERROR if report.failed or report.denied else EXIT_OK


def _cmd_fetch(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.arxiv import fetch
    from desktop_app.core.arxiv.net import AccessBlock

    if args.resume:
        resumed = AccessBlock().resume()
        print("Fetching resumed." if resumed else "Fetching was not stopped.")
    keys = [ctx.library.resolve(ref) for ref in args.refs] or None
    if args.list:
        return _print_queue(ctx.library, keys)
    if args.retry_failed:
        count = fetch.requeue_failed(ctx.library, keys)
        print(f"{plural(count, 'failed fetch')} queued again.")
    meta, pdfs = fetch.pending(ctx.library, keys)
    if not meta and not pdfs:
        print("Nothing to fetch: the queue is empty.")
        return EXIT_OK
    print(f"Fetching {plural(len(meta), 'metadata record')} and {plural(len(pdfs), 'PDF')}…")
    report = _run_fetch(ctx, args, keys)
    print(f"Fetched: {report.summary()}.")
    if report.stopped and not report.denied:
        print(f"papershelf: error: {report.stopped}", file=sys.stderr)
    return EXIT_USER_ERROR if report.failed or report.stopped else EXIT_OK


def _print_queue(library: Library, keys: Sequence[str] | None) -> int:
    waiting = (FetchState.PENDING, FetchState.FAILED)
    rows = []
    for p in library.papers(keys):
        if p.metadata_state in waiting or p.pdf_state in waiting:
            reason = "; ".join(e for e in (p.metadata_error, p.pdf_error) if e)
            rows.append([p.display_id, p.metadata_state.value, p.pdf_state.value, reason])
    if not rows:
        print("Nothing waits to be fetched, and nothing failed.")
    else:
        _print_table(["ID", "METADATA", "PDF", "REASON"], rows)
    from desktop_app.core.arxiv.net import AccessBlock

    info = AccessBlock().info()
    if info is not None:
        print(f"Fetching is stopped since {info.since}: {info.reason} (fetch --resume).")
    return EXIT_OK


def _cmd_check_updates(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.arxiv import fetch
    from desktop_app.core.arxiv.api import ArxivClient

    settings = _fetch_settings(ctx, args)
    if settings.offline:
        print("papershelf: error: offline mode is on: nothing was checked", file=sys.stderr)
        return EXIT_USER_ERROR
    show = None
    if sys.stderr.isatty():

        def show(done: int, total: int) -> None:
            sys.stderr.write(f"\r\x1b[Kchecked {done}/{total}")
            sys.stderr.flush()

    report = fetch.check_updates(ctx.library, ArxivClient(settings), show)
    if show is not None:
        sys.stderr.write("\r\x1b[K")
    for update in report.updates:
        print(("new  " if update.new else "     ") + str(update))
    for key, message in report.errors.items():
        print(f"papershelf: {key}: {message}", file=sys.stderr)
    print(
        f"Checked {plural(report.checked, 'paper')}: {len(report.updates)} with a newer "
        f"version ({len(report.new)} new)."
    )
    return EXIT_OK


# -- search ---------------------------------------------------------------------------------

SEARCH_SYNTAX = """\
query syntax:
  words               papers holding every word, in any field or in the PDF's text;
                      English stemming (retrieval finds retrieve, retrieving), accents folded
  title: author: abstract: tag: status: cat: note: fulltext: id:
                      search one field: title:transformer  author:gomez  cat:cs.IR
                      tag:rag (and tags below it: rag/eval)  status:reading
  year:2025  year:2020..2025  year:..2019  rating:4  rating:3..5
  "a phrase"          words in this order ("a phrase"~3: at most 3 words apart)
  retriev*  te?t      prefix, wildcard
  retreival~          fuzzy: up to 2 typos (retreival~1: one)
  a AND b, a OR b, NOT a, -a, ( ... ), title:(a OR b)
                      AND is implied between words and binds tighter than OR
  has:notes has:pdf has:text has:tags has:rating
                      papers with notes, a PDF, indexed PDF text, tags, a rating
  pdf:none|pending|done|failed   the PDF's download state
  added:7d  added:2w  added:6m  added:1y   added in the last days, weeks, months, years
An empty query lists every paper. Quote the query for the shell:
  papershelf search 'title:"dense retrieval" year:2023..2025 -tag:read'
"""


class _IndexObserver:
    """Hands the library's changes to the context's search index, opening it on first use.

    The index skips a change when no index is built yet: the next search builds it, change
    included.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def paper_changed(self, library: Library, key: str) -> None:
        self.ctx.index.paper_changed(library, key)

    def paper_removed(self, library: Library, key: str) -> None:
        self.ctx.index.paper_removed(library, key)


def _add_search_commands(sub: Subparsers) -> None:  # type: ignore[type-arg]
    """search, reindex, stats and attach: the full-text index and PDF text."""
    p = sub.add_parser(
        "search",
        help="search titles, authors, tags, notes and the PDFs' text",
        description="Search the library. Hits are ranked by relevance (title above authors "
        "and tags, above abstract, above notes, above the PDF's text) and shown with the "
        "matching passages, with page numbers for the PDF's text.",
        epilog=SEARCH_SYNTAX,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("query", nargs="*", metavar="QUERY", help="the query (words are joined)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="show N hits (default 20)")
    p.add_argument("--all", action="store_true", help="show every hit")
    p.add_argument(
        "--sort",
        choices=[s.value for s in SortOrder],
        default=SortOrder.RELEVANCE.value,
        help="order of the hits (default: relevance; added and year: newest first)",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--no-snippets", action="store_true", help="list the papers only")
    p.set_defaults(func=_cmd_search)

    p = sub.add_parser(
        "reindex",
        help="rebuild the search index from the library folder",
        description="Rebuild the search index from the library folder. Never needed for "
        "correctness (the index updates itself, and rebuilds itself when it is missing or "
        "damaged); the PDFs' text comes from the text cache, so only new PDFs are read.",
    )
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="read the PDFs whose text could not be read again",
    )
    p.set_defaults(func=_cmd_reindex)

    p = sub.add_parser(
        "stats",
        help="papers, PDFs, PDFs indexed, and the PDFs whose text could not be read",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser(
        "attach",
        help="attach a local PDF file to a paper",
        description="Copy a PDF into the paper's folder (as <id>vN.pdf, or under its own "
        "name for a paper without arXiv ID), make it the paper's PDF and index its text.",
    )
    p.add_argument("ref", metavar="ID")
    p.add_argument("file", metavar="FILE.pdf", type=Path)
    p.set_defaults(func=_cmd_attach)


class _ProgressLine:
    """``label NN%`` on stderr: rewritten in place on a terminal; elsewhere only the end,
    and only when ``always`` (a rebuild that was asked for)."""

    def __init__(self, label: str, *, always: bool = False) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.always = always
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total == 0:
            return
        text = f"{self.label} {100 * done // total}%"
        if self.tty:
            sys.stderr.write(f"\r\x1b[K{text}")
            sys.stderr.flush()
            self.shown = True
        elif self.always and done == total:
            print(text, file=sys.stderr)

    def clear(self) -> None:
        if self.tty and self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _synced_index(ctx: Context) -> WhooshIndex:
    """The index, in step with the library folder (built, with progress, when missing)."""
    show = _ProgressLine("indexing")
    try:
        report = ctx.index.sync(show)
    finally:
        show.clear()
    if report.rebuilt and report.reason != "no index yet":
        print(f"papershelf: the search index was rebuilt ({report.reason})", file=sys.stderr)
    return ctx.index


def _plain_snippet(text: str, color: bool) -> str:
    if color:
        return text
    return text.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")


def _cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.search import query as querysyntax

    query = " ".join(args.query)
    querysyntax.parse(query)  # a mistake is reported before any indexing
    index = _synced_index(ctx)
    limit = None if args.all else max(args.limit, 0)
    results = index.search(
        query, sort=SortOrder(args.sort), limit=limit, snippets=not args.no_snippets
    )
    if args.json:
        _print_json(
            {
                "query": results.query,
                "total": results.total,
                "hits": [_hit_json(h) for h in results.hits],
                "tag_counts": results.tag_counts,
                "status_counts": results.status_counts,
                "suggestion": results.suggestion,
            }
        )
        return EXIT_OK
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    for hit in results.hits:
        s = hit.summary
        line = f"{s.arxiv_id or s.key}  {s.title or '(no title)'}"
        if s.year:
            line += f" ({s.year})"
        print(line)
        details = [s.status]
        if s.authors:
            details.append(", ".join(s.authors[:3]) + (" et al." if len(s.authors) > 3 else ""))
        if s.tags:
            details.append("[" + ", ".join(s.tags) + "]")
        print("    " + " · ".join(details))
        for snip in hit.snippets:
            where = f"p. {snip.page}" if snip.page else snip.field
            print(f"    {where}: {_plain_snippet(snip.text, color)}")
    if results.total == 0:
        message = "No paper matches."
        if results.suggestion:
            message += f" Did you mean: {results.suggestion}"
        print(message, file=sys.stderr)
    elif len(results.hits) < results.total:
        print(
            f"({len(results.hits)} of {results.total} papers shown; --limit N or --all shows more)",
            file=sys.stderr,
        )
    return EXIT_OK


def _hit_json(hit: Hit) -> dict[str, Any]:
    data = dataclasses.asdict(hit.summary)
    data["score"] = round(hit.score, 4)
    data["snippets"] = [
        {"field": s.field, "page": s.page, "text": _plain_snippet(s.text, False), "html": s.html}
        for s in hit.snippets
    ]
    return data


def _cmd_reindex(ctx: Context, args: argparse.Namespace) -> int:
    show = _ProgressLine("indexing", always=True)
    try:
        report = ctx.index.rebuild(show, retry_failed=args.retry_failed)
    finally:
        show.clear()
    stats = ctx.index.stats()
    print(
        f"Indexed {plural(stats.papers, 'paper')} and the text of "
        f"{stats.pdfs_indexed} of {plural(stats.pdfs, 'PDF')}."
    )
    if stats.failures:
        print(f"{len(stats.failures)} PDFs could not be read ('papershelf stats' lists them).")
    log.info("reindex: %s", report)
    return EXIT_OK


def _cmd_stats(ctx: Context, args: argparse.Namespace) -> int:
    stats = _synced_index(ctx).stats()
    if args.json:
        _print_json(
            {
                "papers": stats.papers,
                "pdfs": stats.pdfs,
                "pdfs_indexed": stats.pdfs_indexed,
                "pdfs_pending": stats.pending,
                "failures": [{"key": k, "reason": r} for k, r in stats.failures],
                "index_bytes": stats.index_bytes,
                "index_dir": str(stats.index_dir),
            }
        )
        return EXIT_OK
    print(f"Papers:            {stats.papers}")
    print(f"PDFs:              {stats.pdfs}")
    print(f"PDFs indexed:      {stats.pdfs_indexed}")
    print(f"PDFs not readable: {len(stats.failures)}")
    if stats.pending:
        print(f"PDFs to download:  {stats.pending}")
    print(f"Index:             {stats.index_bytes / 1e6:.1f} MB in {stats.index_dir}")
    for key, reason in stats.failures:
        print(f"  {key}: {reason}")
    return EXIT_OK


def _cmd_attach(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.pdf.attach import attach_pdf

    library = ctx.library
    ctx.index.sync()  # so the change below is indexed at once
    done = attach_pdf(library, args.ref, args.file)
    paper = done.paper
    if done.text.ok:
        print(
            f"Attached {args.file} to {paper.display_id} as {done.path.name} "
            f"({plural(done.text.page_count, 'page')}, text indexed)."
        )
        return EXIT_OK
    print(f"Attached {args.file} to {paper.display_id} as {done.path.name}.")
    print(
        f"papershelf: warning: {done.path.name}: its text cannot be read: {done.text.error}",
        file=sys.stderr,
    )
    return EXIT_OK


# -- interoperability: BibTeX, CSV, Markdown, local PDFs, duplicates ---------------------------


def _add_interop_commands(sub: Subparsers) -> None:  # type: ignore[type-arg]
    """export, import-bibtex, import-csv, add-pdf and duplicates."""
    p = sub.add_parser(
        "export",
        help="export papers as BibTeX, BibLaTeX, CSV, a Markdown digest or a reading list",
        description="Export the whole library, or the papers a search query finds, to stdout "
        "or a file. Citation keys (zhang2025leveraging) are assigned on the first export and "
        "never change after. 'markdown' is the daily-digest format (import-digest reads it "
        "back); 'reading-list' is Markdown grouped by status, with notes; CSV opens in "
        "spreadsheets (and import-csv reads it back).",
    )
    p.add_argument("format", choices=[f.value for f in _export().ExportFormat])
    p.add_argument(
        "query", nargs="*", metavar="QUERY", help="a search query (default: every paper)"
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    p.add_argument(
        "--notes", action="store_true", help="BibTeX/BibLaTeX: put the notes in 'annote' too"
    )
    p.set_defaults(func=_cmd_export)

    for name, what, func in (
        ("import-bibtex", "BibTeX or BibLaTeX (.bib)", _cmd_import_bibtex),
        ("import-csv", "CSV (as 'export csv' writes)", _cmd_import_csv),
    ):
        p = sub.add_parser(
            name,
            help=f"import papers from {what} files",
            description=f"Import papers from {what} files. Entries with an arXiv ID, arXiv "
            "link or DOI become papers (tags, notes and, for CSV, status and rating come "
            "along); a paper already in the library gets what it lacks, never a twin. "
            "Entries that cannot be used are reported with their line; the rest is imported. "
            "The arXiv metadata of new papers is fetched unless offline or --no-fetch.",
        )
        p.add_argument("files", nargs="+", metavar="FILE", type=Path)
        _import_options(p, func)

    p = sub.add_parser(
        "add-pdf",
        help="add local PDFs (files or folders, recursively)",
        description="Add local PDF files, or every PDF in folders (recursively). The arXiv ID "
        "is recognised offline from arXiv's stamp on page 1, the file name, the PDF's "
        "metadata or page 1's text; such a PDF joins its paper in the library or creates it "
        "(metadata fetched unless offline or --no-fetch). Other PDFs become papers without "
        "arXiv ID, titled from the PDF, for you to complete. The files are copied.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    _import_options(p, _cmd_add_pdf)

    p = sub.add_parser(
        "duplicates",
        help="list papers that are the same paper (--merge merges them)",
        description="List papers that share a DOI, or a title and first author. With "
        "--merge, each group becomes one paper (an arXiv one if there is one): tags united, "
        "notes kept from all, the furthest status and highest rating kept; the others go to "
        "the trash ('papershelf restore KEY' brings one back).",
    )
    p.add_argument("--merge", action="store_true", help="merge every group found")
    p.add_argument("--json", action="store_true", help="print the groups as JSON")
    p.set_defaults(func=_cmd_duplicates)


def _import_options(p: argparse.ArgumentParser, func: Command) -> None:
    p.add_argument("--no-fetch", action="store_true", help="queue metadata, fetch later")
    p.add_argument("--json", action="store_true", help="print what was done as JSON")
    p.set_defaults(func=func)


def _export() -> Any:
    from desktop_app.core.interop import export

    return export


def _cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    export = _export()
    library = ctx.library
    query = " ".join(args.query).strip()
    if query:
        papers = export.papers_for_query(library, _synced_index(ctx), query)
    else:
        papers = sorted(library.papers(), key=lambda p: p.added)
    text = export.export_papers(library, papers, args.format, with_notes=args.notes)
    if args.output is None:
        sys.stdout.write(text)
    else:
        from desktop_app.core.storage import atomic_write_bytes

        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        atomic_write_bytes(args.output, text.encode(encoding))
        label = export.ExportFormat(args.format).label
        print(f"Exported {plural(len(papers), 'paper')} to {args.output} ({label}).")
    if not papers:
        print("papershelf: no papers to export", file=sys.stderr)
    return EXIT_OK


def _report_import(
    ctx: Context, args: argparse.Namespace, reports: Sequence[tuple[str, Any]], exit_status: int
) -> int:
    """Print import reports, then fetch the new arXiv papers' metadata (unless offline).

    Entries an import could not use are listed, as import-digest lists what it skipped;
    they do not make the command fail (a file that cannot be read at all does).
    """
    if args.json:
        _print_json(
            [
                {
                    "source": source,
                    "added": r.added,
                    "updated": r.joined,
                    "present": r.unchanged,
                    "problems": [{"where": p.where, "message": p.message} for p in r.problems],
                }
                for source, r in reports
            ]
        )
    else:
        for source, report in reports:
            print(f"{source}: {report.summary()}")
            for problem in report.problems:
                print(f"  {problem}")
    new = [key for _, r in reports for key in r.added]
    keys = [k for k in new if ctx.library.get(k).metadata_state is FetchState.PENDING]
    if not keys or args.no_fetch:
        return exit_status
    report = _fetch_now(ctx, args, keys, "paper")
    if report is None:
        return exit_status
    return EXIT_USER_ERROR if report.failed or report.denied else exit_status


def _import_files(ctx: Context, args: argparse.Namespace, read: Callable[[Path], Any]) -> int:
    """import-bibtex, import-csv: each file imported; one that cannot be read is an error."""
    reports: list[tuple[str, Any]] = []
    exit_status = EXIT_OK
    for path in args.files:
        try:
            reports.append((str(path), read(path)))
        except PapershelfError as e:
            print(f"papershelf: error: {e}", file=sys.stderr)
            exit_status = EXIT_USER_ERROR
    return _report_import(ctx, args, reports, exit_status)


def _cmd_import_bibtex(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.interop.bibtex import import_bibtex

    return _import_files(ctx, args, lambda path: import_bibtex(ctx.library, path))


def _cmd_import_csv(ctx: Context, args: argparse.Namespace) -> int:
    return _import_files(ctx, args, lambda path: _export().import_csv(ctx.library, path))


def _cmd_add_pdf(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.pdf.importer import import_pdfs

    missing = [path for path in args.paths if not path.exists()]
    for path in missing:
        print(f"papershelf: error: {path}: no such file or folder", file=sys.stderr)
    show = _ProgressLine("reading PDFs")
    try:
        paths = [path for path in args.paths if path.exists()]
        report = import_pdfs(ctx.library, paths, progress=show)
    finally:
        show.clear()
    exit_status = EXIT_USER_ERROR if missing else EXIT_OK
    return _report_import(ctx, args, [("PDFs", report)], exit_status)


def _cmd_duplicates(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.interop.duplicates import find_duplicates, merge_duplicates

    groups = find_duplicates(ctx.library.papers())
    if args.json:
        _print_json([{"reason": g.reason, "keys": [p.key for p in g.papers]} for g in groups])
    elif not groups:
        print("No duplicates.")
    for group in [] if args.json else groups:
        print(f"{group.reason}:")
        _print_table(
            ["", "ID", "TITLE"],
            [["keep", group.keep.display_id, group.keep.title]]
            + [["merge", p.display_id, p.title] for p in group.others],
        )
    if not groups:
        return EXIT_OK
    if not args.merge:
        print(
            f"{plural(len(groups), 'group')} of duplicates; "
            "'papershelf duplicates --merge' merges them.",
            file=sys.stderr,
        )
        return EXIT_OK
    for result in merge_duplicates(ctx.library, groups):
        print(
            f"Merged {', '.join(result.trashed)} into {result.kept} (the others: in the trash).",
            file=sys.stderr if args.json else sys.stdout,
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx = Context(args.library)
    if args.command is None:
        return _open_gui(ctx.library_path, parser)
    func: Command = args.func
    try:
        return func(ctx, args)
    except PapershelfError as e:
        print(f"papershelf: error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("papershelf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `papershelf list | head`: the reader left. Point stdout at devnull so the flush at
        # exit does not print a second error.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        ctx.close()


def _open_gui(library_path: Path, parser: argparse.ArgumentParser) -> int:
    try:
        from desktop_app.gui.app import run_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError as e:
        log.info("GUI not available: %s", e)
        parser.print_help()
        return EXIT_OK
    result: int = run_app(library_path)
    return result
