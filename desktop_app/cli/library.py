"""Making a library, bringing papers in and looking at them: ``init``, ``import-digest``,
``add``, ``list``, ``inbox`` and ``show``.

Each command's parser is declared right above its handler. The commands that change papers
(tags, status, notes, the trash) are in :mod:`desktop_app.cli.edit`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from desktop_app.cli import options, output
from desktop_app.cli.context import EXIT_OK, EXIT_USER_ERROR, Context, stops_with_count
from desktop_app.core.arxiv import ids as arxiv_id
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.errors import DamagedFile, DigestError, InvalidArxivId, PaperNotFound
from desktop_app.core.library import LIBRARY_FILE, AddOutcome, Library
from desktop_app.core.paper import FetchState, Paper, Status, pinned_version, tag_filter
from desktop_app.core.words import plural, printable, title_sort_key

if TYPE_CHECKING:
    from desktop_app.core.listing import Row


def register(sub: options.Subparsers) -> None:
    """Add this group's commands to the ``papershelf`` parser."""
    _add_init(sub)
    _add_import_digest(sub)
    _add_add(sub)
    _add_list(sub)
    _add_inbox(sub)
    _add_show(sub)


# -- init -----------------------------------------------------------------------------------


def _add_init(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "init",
        help="create a library (the first 'add' or import creates one too)",
        description="Create an empty library in PATH (default: --library, else the default "
        "library). Commands that only read ('list', 'search', 'export' ...) never create one, "
        "so a mistyped --library is an error rather than a new, empty library; 'add' and the "
        "imports create a missing library and say so.",
    )
    p.add_argument("path", nargs="?", type=Path, metavar="PATH", help="the library folder")
    p.set_defaults(func=_init)


def _init(ctx: Context, args: argparse.Namespace) -> int:
    root = (args.path or ctx.library_path).expanduser()
    if (root / LIBRARY_FILE).is_file():
        library = Library.open(root, create=False)
        print(f"{root} is a Papershelf library already ({plural(len(library), 'paper')}).")
        return EXIT_OK
    Library.open(root)
    print(f"Created an empty Papershelf library in {root}.")
    print(f"Add papers with 'papershelf --library {root} add ID' or 'import-digest FILE'.")
    return EXIT_OK


# -- import-digest --------------------------------------------------------------------------


def _add_import_digest(sub: options.Subparsers) -> None:
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
    options.add_json(p, "what was done")
    p.add_argument(
        "--fetch",
        action="store_true",
        help="queue the PDF of every paper of the digests, and fetch them (unless offline)",
    )
    options.creates_library(p)
    p.set_defaults(func=_import_digest)


def _import_digest(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.interop import digest

    status = Status.parse(args.status)
    reports = []
    exit_status = EXIT_OK
    for path in args.files:
        try:
            parsed = digest.parse_digest(digest.read_digest_text(path), source=path.name)
        except DigestError as e:
            print(f"papershelf: error: {e}", file=sys.stderr)
            exit_status = EXIT_USER_ERROR
            continue
        with stops_with_count(ctx.library, str(path), len(parsed.entries)):
            report = digest.import_digest(ctx.library, parsed, status)
        reports.append(report)
        if not args.json:
            print(f"{path.name}: {report.summary()}")
            for skipped in report.skipped:
                print(f"  skipped {skipped}")
    if args.json:
        output.print_json([output.digest_report_json(r) for r in reports])
    elif reports and sum(len(r.added) for r in reports) and status is Status.NEW:
        print(
            "See them with 'papershelf inbox'; "
            "keep or dismiss them with 'papershelf keep|dismiss ID…'."
        )
    if args.fetch and reports:
        from desktop_app.cli import fetch

        keys = [k for r in reports for k in (*r.added, *r.updated, *r.present)]
        exit_status = max(exit_status, fetch.fetch_pdfs_of(ctx, args, keys))
    return exit_status


# -- add ------------------------------------------------------------------------------------


def _add_add(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "add",
        help="add papers by arXiv ID or link",
        description="Add papers by arXiv ID, arxiv.org link or DOI (any form; pasted text "
        "with several IDs works too). Their metadata, and their PDF unless --no-pdf, are "
        "fetched from arXiv; offline, or when arXiv cannot be reached, the paper is created "
        "from its ID and the fetches wait in the queue ('papershelf fetch').",
    )
    options.add_refs(p, metavar="ID-OR-URL")
    options.add_json(p, "the papers")
    p.add_argument("--no-pdf", action="store_true", help="fetch the metadata only")
    options.creates_library(p)
    p.set_defaults(func=_add)


def _add(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.cli import fetch

    aids, errors = _parse_refs(args.refs)
    for error in errors:
        print(f"papershelf: error: {error}", file=sys.stderr)
    results, fetched = fetch.fetch_added(ctx, args, _add_offline(ctx.library, aids))
    exit_status = EXIT_USER_ERROR if errors or not fetched else EXIT_OK
    if args.json:
        output.print_papers(ctx.library, [paper for paper, _ in results], as_json=True)
        return exit_status
    if not results:
        return exit_status
    notes = {
        AddOutcome.ADDED: "metadata to fetch",
        AddOutcome.PRESENT: "already in the library",
        AddOutcome.RESTORED: "back from the trash",
    }
    output.print_table(
        ["", "", ""],
        [
            [outcome.value, paper.display_id, paper.title or f"({notes[outcome]})"]
            for paper, outcome in results
        ],
    )
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
    """Add papers from their IDs alone: their metadata is marked to be fetched.

    A version typed by the user (``2504.05220v2``) is pinned: exports cite that version.
    """
    return [
        library.add_arxiv(aid, status=Status.UNREAD, edited=pinned_version(aid)) for aid in aids
    ]


# -- list and inbox -------------------------------------------------------------------------


def _add_list(sub: options.Subparsers) -> None:
    statuses = [s.value for s in Status]
    p = sub.add_parser("list", help="list the papers of the library")
    p.add_argument("--status", choices=statuses, help="only papers with this status")
    options.completes_tags(
        p.add_argument("--tag", help="only papers with this tag (or a tag below it: rag/…)")
    )
    p.add_argument("--sort", choices=["added", "title", "year"], default="added")
    p.add_argument("--reverse", action="store_true", help="reverse the order")
    options.add_json(p, "the papers")
    p.set_defaults(func=_list)


def _list(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core import listing

    found = listing.rows(ctx.library)  # not every paper.json: see core/listing.py
    output.report_damaged(found.errors)
    rows = list(found.rows.values())
    if args.status:
        rows = [r for r in rows if r.status == args.status]
    if args.tag:
        holds = tag_filter(args.tag)
        rows = [r for r in rows if holds(r.tags)]
    rows = _sorted(rows, args.sort, args.reverse)
    if args.json:
        output.print_papers(ctx.library, _read_each(ctx.library, rows), as_json=True)
    elif not rows:
        print("No papers." if not found.rows else "No papers match.")
    else:
        output.print_rows(rows)
        print(plural(len(rows), "paper"))
    return EXIT_OK


def _read_each(library: Library, rows: Sequence[Row]) -> list[Paper]:
    """The papers of ``rows``, each read whole (``--json`` shows every field); one removed
    or damaged meanwhile is left out (a damaged one with a warning)."""
    papers = []
    for row in rows:
        try:
            papers.append(library.read(row.key))
        except PaperNotFound:
            continue
        except DamagedFile as e:
            output.report_damaged([e])
    return papers


_Listed = TypeVar("_Listed", Paper, "Row")


def _sorted(papers: Sequence[_Listed], order: str, reverse: bool = False) -> list[_Listed]:
    """Papers by date added (oldest first), title (A to Z) or year (oldest first)."""
    if order == "title":
        return sorted(papers, key=lambda p: (title_sort_key(p.title), p.key), reverse=reverse)
    if order == "year":
        return sorted(
            papers, key=lambda p: (p.year or 0, p.published or "", p.key), reverse=reverse
        )
    return sorted(papers, key=lambda p: (p.added, p.key), reverse=reverse)


def _add_inbox(sub: options.Subparsers) -> None:
    p = sub.add_parser("inbox", help="list the papers to triage (status new)")
    p.add_argument(
        "--sort",
        choices=["added", "likely"],
        default="added",
        help="added: in arrival order (default); likely: most likely to be kept first, "
        "learned from the papers you kept and dismissed, with the score and why",
    )
    options.add_json(p, "the papers")
    p.set_defaults(func=_inbox)


def _inbox(ctx: Context, args: argparse.Namespace) -> int:
    if args.sort == "likely":
        return _inbox_likely(ctx, args)
    from desktop_app.core import listing

    found = listing.rows(ctx.library)  # as list
    output.report_damaged(found.errors)
    rows = _sorted([r for r in found.rows.values() if r.status == Status.NEW.value], "added")
    if args.json:
        output.print_papers(ctx.library, _read_each(ctx.library, rows), as_json=True)
    elif not rows:
        print("The inbox is empty.")
    else:
        output.print_rows(rows)
        print(
            f"{plural(len(rows), 'paper')} to triage: 'papershelf keep ID…' keeps, "
            "'papershelf dismiss ID…' dismisses."
        )
    return EXIT_OK


def _inbox_likely(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.feeds import ranking

    papers, model, count = ranking.rank_inbox(ctx.library)
    news = sys.stderr if args.json else sys.stdout
    if model is None:
        print(
            f"Nothing to learn from yet ({plural(count, 'decision')}; it takes a kept and a "
            "dismissed paper): the inbox in arrival order.",
            file=news,
        )
    scored = [(p, model.score(p), model.explain(p)) if model else (p, None, "") for p in papers]
    if args.json:
        output.print_json(output.ranked_json(ctx.library, scored))
    elif not papers:
        print("The inbox is empty.")
    else:
        rows = []
        for paper, score, why in scored:
            rows.append(
                [paper.display_id, f"{score:.2f}" if score is not None else "", paper.title]
            )
            if why:
                rows.append(["", "", f"  {why}"])
        output.print_table(["ID", "LIKELY", "TITLE"], rows)
        print(
            f"{plural(len(papers), 'paper')} to triage, learned from {plural(count, 'decision')}."
        )
    return EXIT_OK


# -- show -----------------------------------------------------------------------------------


def _add_show(sub: options.Subparsers) -> None:
    p = sub.add_parser("show", help="show one paper: metadata, status, tags, notes")
    options.add_ref(p)
    options.add_json(p, "the paper")
    p.set_defaults(func=_show)


def _show(ctx: Context, args: argparse.Namespace) -> int:
    library = ctx.library
    paper = library.get(args.ref)
    if args.json:
        output.print_json(output.paper_json(library, paper))
        return EXIT_OK
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    print(printable(paper.title, one_line=True) or "(title not fetched yet)")
    lines = [(label, printable(value, one_line=True)) for label, value in _details(library, paper)]
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
        for paragraph in printable(paper.abstract).split("\n"):
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
        print(textwrap.indent(printable(notes).rstrip("\n"), "  "))
    return EXIT_OK


def _details(library: Library, paper: Paper) -> list[tuple[str, str]]:
    """``show``'s labelled lines, from the arXiv ID to the paper's folder."""
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
    lines.append(("Status", output.describe_status(paper)))
    lines.append(("Tags", ", ".join(paper.tags) or "-"))
    lines.append(("Rating", output.stars(paper.rating)))
    source = f" from {paper.source}" if paper.source else ""
    lines.append(("Added", f"{output.day(paper.added)}{source}"))
    pdf = library.pdf_path(paper)
    fetched = output.describe_fetch(paper.pdf_state, paper.pdf_error)
    lines.append(("PDF", str(pdf) if pdf else fetched))
    if paper.metadata_state is not FetchState.NONE and paper.metadata_state is not FetchState.DONE:
        metadata = output.describe_fetch(paper.metadata_state, paper.metadata_error)
        lines.append(("Metadata", metadata))
    lines.append(("Folder", str(library.paper_dir(paper.key))))
    return lines
