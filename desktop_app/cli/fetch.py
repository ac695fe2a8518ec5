"""Fetching from arXiv: ``fetch`` and ``check-updates``, and the fetch after ``add`` or an import.

``add``, ``keep``, ``import-digest --fetch`` and the imports queue fetches; the helpers here
(:func:`fetch_added`, :func:`fetch_pdfs_of`, :func:`fetch_now`) run them at once unless
offline. The network client is imported only when a command fetches.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop_app.cli import options, output
from desktop_app.cli.context import EXIT_OK, EXIT_USER_ERROR, Context
from desktop_app.core.errors import InvalidValue
from desktop_app.core.library import AddOutcome, Library
from desktop_app.core.paper import FetchState, Paper
from desktop_app.core.settings import Settings
from desktop_app.core.words import plural

if TYPE_CHECKING:
    from desktop_app.core.arxiv.fetch import FetchProgress, FetchReport


def register(sub: options.Subparsers) -> None:
    """Add this group's commands to the ``papershelf`` parser."""
    _add_fetch(sub)
    _add_check_updates(sub)


# -- fetch ----------------------------------------------------------------------------------


def _add_fetch(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "fetch",
        help="fetch the queued metadata and PDFs from arXiv",
        description="Fetch what waits in the queue: metadata of papers added by ID, PDFs of "
        "papers kept or added. Requests are spaced as arXiv asks (3 s for the API, 1 s for "
        "PDFs). After arXiv denied access (HTTP 403) nothing is fetched until --resume.",
    )
    options.add_refs(p, nargs="*", help="only these papers (default: all)")
    p.add_argument(
        "--resume", action="store_true", help="fetch again after arXiv denied access (403)"
    )
    p.add_argument(
        "--retry-failed", action="store_true", help="queue the failed fetches again first"
    )
    p.add_argument(
        "--list", action="store_true", help="list the queue and the failed fetches, fetch nothing"
    )
    p.add_argument(
        "--new-version",
        action="store_true",
        help="take the newer version check-updates found (of the papers given): fetch its "
        "PDF and move the annotations onto it (the old PDF stays)",
    )
    p.set_defaults(func=_fetch)


def _fetch(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.arxiv import fetch
    from desktop_app.core.arxiv.net import AccessBlock

    if args.resume:
        resumed = AccessBlock().resume()
        print("Fetching resumed." if resumed else "Fetching was not stopped.")
    keys = [ctx.library.resolve(ref) for ref in args.refs] or None
    if args.list:
        return _print_queue(ctx.library, keys)
    if args.new_version:
        if not keys:
            raise InvalidValue("--new-version needs the papers to update")
        for key in keys:
            paper = fetch.take_new_version(ctx.library, key)
            print(f"{paper.display_id}: fetching v{paper.arxiv_version}")
    if args.retry_failed:
        count = fetch.requeue_failed(ctx.library, keys)
        print(f"{plural(count, 'failed fetch')} queued again.")
    meta, pdfs = fetch.pending(ctx.library, keys)
    if not meta and not pdfs:
        print("Nothing to fetch: the queue is empty.")
        return EXIT_OK
    print(f"Fetching {plural(len(meta), 'metadata record')} and {plural(len(pdfs), 'PDF')}…")
    report = run_fetch(ctx, args, keys)
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
        output.print_table(["ID", "METADATA", "PDF", "REASON"], rows)
    from desktop_app.core.arxiv.net import AccessBlock

    info = AccessBlock().info()
    if info is not None:
        print(f"Fetching is stopped since {info.since}: {info.reason} (fetch --resume).")
    return EXIT_OK


# -- check-updates --------------------------------------------------------------------------


def _add_check_updates(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "check-updates",
        help="ask arXiv for newer versions of the papers",
        description="Ask arXiv for the latest version of every paper (100 per request) and "
        "list the papers with a newer version than the one held.",
    )
    p.set_defaults(func=_check_updates)


def _check_updates(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.arxiv import fetch
    from desktop_app.core.arxiv.api import ArxivClient

    settings = fetch_settings(ctx, args)
    if settings.offline:
        print("papershelf: error: offline mode is on: nothing was checked", file=sys.stderr)
        return EXIT_USER_ERROR
    with output.ProgressLine() as line:

        def show(done: int, total: int) -> None:
            line.show(f"checked {done}/{total}")

        report = fetch.check_updates(ctx.library, ArxivClient(settings), show if line.tty else None)
    for update in report.updates:
        print(("new  " if update.new else "     ") + str(update))
    for key, message in report.errors.items():
        print(f"papershelf: {key}: {message}", file=sys.stderr)
    print(
        f"Checked {plural(report.checked, 'paper')}: {len(report.updates)} with a newer "
        f"version ({len(report.new)} new)."
    )
    return EXIT_OK


# -- running the queue ----------------------------------------------------------------------


def fetch_settings(ctx: Context, args: argparse.Namespace) -> Settings:
    """The settings, offline when --offline is given."""
    if getattr(args, "offline", False) and not ctx.settings.offline:
        return dataclasses.replace(ctx.settings, offline=True)
    return ctx.settings


def run_fetch(
    ctx: Context, args: argparse.Namespace, keys: Sequence[str] | None = None
) -> FetchReport:
    """Drain the queue (of ``keys``), with progress on a terminal.

    Failed fetches and a 403 are errors on stderr; why the run stopped otherwise (no
    network) is left to the caller: for ``add`` it is news, for ``fetch`` an error.
    """
    from desktop_app.core.arxiv import fetch
    from desktop_app.core.arxiv.api import ArxivClient

    settings = fetch_settings(ctx, args)
    fetcher = fetch.Fetcher(ctx.library, ArxivClient(settings), settings)
    with output.ProgressLine() as line:

        def show(p: FetchProgress) -> None:
            line.show(_progress_text(p))

        report = fetcher.run(show if line.tty else None, keys=keys)
    for failure in report.failed:
        what = "PDF" if failure.stage is fetch.Stage.PDF else "metadata"
        print(
            f"papershelf: error: {failure.key}: the {what} could not be fetched: {failure.reason}",
            file=sys.stderr,
        )
    if report.denied:
        print(f"papershelf: error: {report.stopped}", file=sys.stderr)
    return report


def _progress_text(p: FetchProgress) -> str:
    """Where a fetch stands: ``metadata 1/3``, ``PDF 2/5 2504.05220 120 KB of 800 KB``."""
    from desktop_app.core.arxiv.fetch import Stage

    if p.stage is Stage.METADATA:
        return f"metadata {p.done}/{p.total}"
    size = f" {p.bytes_done // 1024} KB" if p.bytes_done else ""
    if p.bytes_total and p.bytes_done:
        size += f" of {p.bytes_total // 1024} KB"
    return f"PDF {min(p.done + 1, p.total)}/{p.total} {p.key or ''}{size}"


def fetch_now(
    ctx: Context, args: argparse.Namespace, keys: Sequence[str], what: str, *, summary: bool = False
) -> FetchReport | None:
    """After add or an import: fetch the queued ``keys`` now; None when offline.

    What is not the command's answer is news: on stdout, or on stderr under --json. Offline,
    or when the run stops early (no network), the news says the fetches wait in the queue.
    """
    news = sys.stderr if args.json else sys.stdout
    if fetch_settings(ctx, args).offline:
        print(
            f"Offline: {plural(len(keys), what)} queued; "
            "'papershelf fetch' fetches them when online.",
            file=news,
        )
        return None
    report = run_fetch(ctx, args, keys)
    if summary:
        print(f"Fetched: {report.summary()}.", file=news)
    if report.stopped and not report.denied:
        print(f"Queued: {report.stopped}.", file=news)
    return report


def fetch_added(
    ctx: Context, args: argparse.Namespace, results: list[tuple[Paper, AddOutcome]]
) -> tuple[list[tuple[Paper, AddOutcome]], bool]:
    """``add``: queue the new papers' PDFs (unless --no-pdf), fetch when online.

    Returns the papers as they are after the fetch, and False when a fetch failed.
    """
    from desktop_app.core.arxiv import fetch

    keys = [paper.key for paper, outcome in results if outcome is not AddOutcome.PRESENT]
    if not keys:
        return results, True
    if not args.no_pdf and fetch_settings(ctx, args).fetch_pdfs_automatically:
        fetch.queue_pdfs(ctx.library, keys)
    report = fetch_now(ctx, args, keys, "paper")
    if report is None:
        return results, True
    papers = [(ctx.library.get(paper.key), outcome) for paper, outcome in results]
    return papers, not (report.failed or report.denied)


def fetch_pdfs_of(ctx: Context, args: argparse.Namespace, keys: Sequence[str]) -> int:
    """``import-digest --fetch``: queue the PDFs of these papers and fetch them when online."""
    from desktop_app.core.arxiv import fetch

    queued = fetch.queue_pdfs(ctx.library, keys)
    if not queued:
        return EXIT_OK
    report = fetch_now(ctx, args, queued, "PDF", summary=True)
    if report is None:
        return EXIT_OK
    return EXIT_USER_ERROR if report.failed or report.denied else EXIT_OK
