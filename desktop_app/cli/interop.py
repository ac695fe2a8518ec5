"""Other formats and sources: ``export``, ``import-bibtex``, ``import-csv``, ``add-pdf`` and
``duplicates``.

The importers share their options (:func:`_add_import_options`) and their report
(:func:`_report_import`), and fetch the new arXiv papers' metadata afterwards unless
offline or ``--no-fetch``. BibTeX's parser and the PDF reader load only for their command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.cli import fetch, options, output
from desktop_app.cli.annotate import ANNOTATED_PDF, export_annotated_pdf
from desktop_app.cli.context import (
    EXIT_OK,
    EXIT_USER_ERROR,
    BatchStopped,
    Command,
    Context,
    stops_with_count,
    synced_index,
)
from desktop_app.core.errors import PapershelfError
from desktop_app.core.interop.export import ExportFormat
from desktop_app.core.paper import FetchState
from desktop_app.core.words import plural

if TYPE_CHECKING:
    from desktop_app.core.interop import kept_exports
    from desktop_app.core.interop.importing import ImportReport


def register(sub: options.Subparsers) -> None:
    """Add this group's commands to the ``papershelf`` parser."""
    _add_export(sub)
    _add_kept_exports(sub)
    _add_import_files(sub)
    _add_add_pdf(sub)
    _add_duplicates(sub)


# -- export ---------------------------------------------------------------------------------


def _add_export(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "export",
        help="export papers as BibTeX, BibLaTeX, CSV, a Markdown digest or a reading list",
        description="Export the whole library, or the papers a search query finds, to stdout "
        "or a file. Citation keys (zhang2025leveraging) are assigned on the first export and "
        "never change after. 'markdown' is the daily-digest format (import-digest reads it "
        "back); 'reading-list' is Markdown grouped by status, with notes; CSV opens in "
        "spreadsheets (and import-csv reads it back). 'annotated-pdf ID -o FILE.pdf' writes a "
        "copy of one paper's PDF with its annotations embedded, for other PDF readers.",
    )
    p.add_argument("format", choices=[f.value for f in ExportFormat] + [ANNOTATED_PDF])
    options.add_query(p, "a search query (default: every paper)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    p.add_argument(
        "--notes", action="store_true", help="BibTeX/BibLaTeX: put the notes in 'annote' too"
    )
    p.add_argument(
        "--annotations",
        action="store_true",
        help="markdown/reading-list: add each paper's highlights and comments",
    )
    p.add_argument(
        "--keep-updated",
        action="store_true",
        help="with -o: rewrite FILE by itself whenever its papers change (in the app, or "
        "after a command that changes papers); 'papershelf kept-exports' lists and stops them",
    )
    p.set_defaults(func=_export)


def _export(ctx: Context, args: argparse.Namespace) -> int:
    if args.format == ANNOTATED_PDF:
        return export_annotated_pdf(ctx, args)
    from desktop_app.core.interop import export

    library = ctx.library
    query = options.query_of(args).strip()
    if args.keep_updated and args.output is None:
        print("papershelf: error: --keep-updated needs a file: -o FILE", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.keep_updated and args.annotations:
        # A kept export is rewritten when its papers' records change; annotations are not
        # among what it records yet.
        print("papershelf: error: --annotations cannot be kept updated", file=sys.stderr)
        return EXIT_USER_ERROR
    if query:
        papers = export.papers_for_query(library, synced_index(ctx), query)
    else:
        papers = sorted(library.papers(), key=lambda p: p.added)
    text = export.export_papers(
        library, papers, args.format, with_notes=args.notes, with_annotations=args.annotations
    )
    if args.output is None:
        sys.stdout.write(text)
    else:
        from desktop_app.core.storage import atomic_write_bytes

        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        atomic_write_bytes(args.output, text.encode(encoding))
        label = ExportFormat(args.format).label
        print(f"Exported {plural(len(papers), 'paper')} to {args.output} ({label}).")
    if args.keep_updated:
        from desktop_app.core.interop import kept_exports

        kept = kept_exports.keep(library, args.output, args.format, query, args.notes)
        print(
            f"{kept.path} is kept up to date from now on "
            "('papershelf kept-exports --stop FILE' stops it)."
        )
    if not papers:
        print("papershelf: no papers to export", file=sys.stderr)
    return EXIT_OK


def _add_kept_exports(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "kept-exports",
        help="list the files 'export --keep-updated' keeps up to date (--stop FILE stops one)",
        description="List the exports of this library that are kept up to date: each file is "
        "rewritten, only when its content changes, whenever one of its papers changes (in "
        "the app, or after a command that changes papers). They are kept in the settings "
        "folder of this machine, not in the library.",
    )
    p.add_argument("--stop", metavar="FILE", type=Path, help="stop keeping FILE up to date")
    p.add_argument("--run", action="store_true", help="bring every kept file up to date now")
    options.add_json(p, "the kept exports")
    p.set_defaults(func=_kept_exports)


def _kept_exports(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.interop import kept_exports

    if args.stop is not None:
        stopped = kept_exports.stop(args.stop)
        if stopped is None:
            print(f"papershelf: error: {args.stop} is not kept up to date", file=sys.stderr)
            return EXIT_USER_ERROR
        print(f"{stopped.path} is no longer kept up to date (the file stays).")
        return EXIT_OK
    if args.run:
        return _report_refreshed(kept_exports.refresh(ctx.library, synced_index(ctx)), True)
    kept = kept_exports.kept_exports(ctx.library_path)
    if args.json:
        output.print_json([output.kept_export_json(k) for k in kept])
    elif not kept:
        print("No kept exports ('papershelf export FORMAT -o FILE --keep-updated' adds one).")
    else:
        output.print_table(
            ["FILE", "FORMAT", "QUERY"],
            [[k.path, k.format, k.query or "(every paper)"] for k in kept],
        )
    return EXIT_OK


def refresh_kept_exports(ctx: Context) -> None:
    """After a command that changed papers: rewrite the kept exports whose content changed."""
    from desktop_app.core.interop import kept_exports

    _report_refreshed(kept_exports.refresh(ctx.library, ctx.index), False)


def _report_refreshed(results: Sequence[kept_exports.Refreshed], every: bool) -> int:
    """One line on stderr per kept file rewritten (each one with ``every``) or not updated."""
    status = EXIT_OK
    for result in results:
        if result.error:
            print(f"papershelf: warning: kept export {result.error}", file=sys.stderr)
            status = EXIT_USER_ERROR
        elif result.written or every:
            state = "updated" if result.written else "up to date"
            print(
                f"papershelf: kept export {result.export.path} {state} "
                f"({plural(result.papers, 'paper')})",
                file=sys.stderr,
            )
    return status


# -- the importers --------------------------------------------------------------------------


def _add_import_options(p: argparse.ArgumentParser, func: Command) -> None:
    p.add_argument("--no-fetch", action="store_true", help="queue metadata, fetch later")
    options.add_json(p, "what was done")
    options.creates_library(p)
    p.set_defaults(func=func)


def _add_import_files(sub: options.Subparsers) -> None:
    for name, what, func in (
        ("import-bibtex", "BibTeX or BibLaTeX (.bib)", _import_bibtex),
        ("import-csv", "CSV (as 'export csv' writes)", _import_csv),
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
        _add_import_options(p, func)


def _import_bibtex(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.interop.bibtex_import import import_bibtex

    return _import_files(ctx, args, lambda path: import_bibtex(ctx.library, path))


def _import_csv(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.interop.spreadsheet import import_csv

    return _import_files(ctx, args, lambda path: import_csv(ctx.library, path))


def _import_files(
    ctx: Context, args: argparse.Namespace, read: Callable[[Path], ImportReport]
) -> int:
    """import-bibtex, import-csv: each file imported; one that cannot be read is an error."""
    reports: list[tuple[str, ImportReport]] = []
    exit_status = EXIT_OK
    for path in args.files:
        try:
            with stops_with_count(ctx.library, str(path)):
                reports.append((str(path), read(path)))
        except BatchStopped:
            raise  # the disk is full, say: the next file would fail the same way
        except PapershelfError as e:
            print(f"papershelf: error: {e}", file=sys.stderr)
            exit_status = EXIT_USER_ERROR
    return _report_import(ctx, args, reports, exit_status)


def _add_add_pdf(sub: options.Subparsers) -> None:
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
    _add_import_options(p, _add_pdf)


def _add_pdf(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.pdf.importer import import_pdfs

    missing = [path for path in args.paths if not (path.is_file() or path.is_dir())]
    for path in missing:
        why = "is not a file (a device or a socket)" if path.exists() else "no such file or folder"
        print(f"papershelf: error: {path}: {why}", file=sys.stderr)
    with output.ProgressLine("reading PDFs") as show:
        paths = [path for path in args.paths if path not in missing]
        with stops_with_count(ctx.library, "add-pdf"):
            report = import_pdfs(
                ctx.library, paths, progress=show, max_bytes=ctx.settings.max_pdf_bytes
            )
    exit_status = EXIT_USER_ERROR if missing else EXIT_OK
    return _report_import(ctx, args, [("PDFs", report)], exit_status)


def _report_import(
    ctx: Context,
    args: argparse.Namespace,
    reports: Sequence[tuple[str, ImportReport]],
    exit_status: int,
) -> int:
    """Print import reports, then fetch the new arXiv papers' metadata (unless offline).

    Entries an import could not use are listed, as import-digest lists what it skipped;
    they do not make the command fail (a file that cannot be read at all does).
    """
    if args.json:
        output.print_json([output.import_report_json(source, r) for source, r in reports])
    else:
        for source, report in reports:
            print(f"{source}: {report.summary()}")
            for problem in report.problems:
                print(f"  {problem}")
    new = [key for _, r in reports for key in r.added]
    keys = [k for k in new if ctx.library.get(k).metadata_state is FetchState.PENDING]
    if not keys or args.no_fetch:
        return exit_status
    done = fetch.fetch_now(ctx, args, keys, "paper")
    if done is None:
        return exit_status
    return EXIT_USER_ERROR if done.failed or done.denied else exit_status


# -- duplicates -----------------------------------------------------------------------------


def _add_duplicates(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "duplicates",
        help="list papers that are the same paper (--merge merges them)",
        description="List papers that share a DOI, or a title and first author. With "
        "--merge, each group becomes one paper (an arXiv one if there is one): tags united, "
        "notes kept from all, the furthest status and highest rating kept; the others go to "
        "the trash ('papershelf restore KEY' brings one back).",
    )
    p.add_argument("--merge", action="store_true", help="merge every group found")
    options.add_json(p, "the groups")
    p.set_defaults(func=_duplicates)


def _duplicates(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.interop.duplicates import find_duplicates, merge_duplicates

    groups = find_duplicates(ctx.library.papers())
    if args.json:
        output.print_json(output.duplicates_json(groups))
    elif not groups:
        print("No duplicates.")
    for group in [] if args.json else groups:
        print(f"{group.reason}:")
        output.print_table(
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
