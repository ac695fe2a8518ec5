"""The full-text index and PDF text: ``search``, ``reindex``, ``stats`` and ``attach``.

Commands see the index through the engine-neutral ``SearchIndex`` of
:mod:`desktop_app.core.search.api` (``ctx.index``); the query syntax is
:mod:`desktop_app.core.search.query`'s.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from desktop_app.cli import options, output
from desktop_app.cli.context import EXIT_OK, EXIT_USER_ERROR, Context, synced_index
from desktop_app.core.search.api import SortOrder
from desktop_app.core.words import plural, printable

log = logging.getLogger(__name__)


def register(sub: options.Subparsers) -> None:
    """Add this group's commands to the ``papershelf`` parser."""
    _add_search(sub)
    _add_reindex(sub)
    _add_stats(sub)
    _add_attach(sub)


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


def _add_search(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "search",
        help="search titles, authors, tags, notes and the PDFs' text",
        description="Search the library. Hits are ranked by relevance (title above authors "
        "and tags, above abstract, above notes, above the PDF's text) and shown with the "
        "matching passages, with page numbers for the PDF's text.",
        epilog=SEARCH_SYNTAX,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    options.add_query(p, "the query (words are joined)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="show N hits (default 20)")
    p.add_argument("--all", action="store_true", help="show every hit")
    p.add_argument(
        "--sort",
        choices=[s.value for s in SortOrder],
        default=SortOrder.RELEVANCE.value,
        help="order of the hits (default: relevance; added and year: newest first)",
    )
    options.add_json(p, "the results")
    p.add_argument("--no-snippets", action="store_true", help="list the papers only")
    p.set_defaults(func=_search)


def _search(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.search import query as querysyntax

    query = options.query_of(args)
    querysyntax.parse(query)  # a mistake is reported before any indexing
    index = synced_index(ctx)
    limit = None if args.all else max(args.limit, 0)
    results = index.search(
        query, sort=SortOrder(args.sort), limit=limit, snippets=not args.no_snippets
    )
    if args.json:
        output.print_json(output.search_json(results))
        return EXIT_OK
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    for hit in results.hits:
        s = hit.summary
        line = f"{s.arxiv_id or s.key}  {printable(s.title, one_line=True) or '(no title)'}"
        if s.year:
            line += f" ({s.year})"
        print(line)
        details = [s.status]
        if s.authors:
            details.append(", ".join(s.authors[:3]) + (" et al." if len(s.authors) > 3 else ""))
        if s.tags:
            details.append("[" + ", ".join(s.tags) + "]")
        print("    " + printable(" · ".join(details), one_line=True))
        for snip in hit.snippets:
            where = f"p. {snip.page}" if snip.page else snip.field
            print(f"    {where}: {output.plain_snippet(snip.text, color)}")
    if results.texts_pending:
        # Another program (the app) is indexing a new index's full text: answer now.
        print(
            f"papershelf: the full text of {plural(results.texts_pending, 'paper')} is still "
            "being indexed by another Papershelf; more papers may match",
            file=sys.stderr,
        )
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


# -- reindex and stats ----------------------------------------------------------------------


def _add_reindex(sub: options.Subparsers) -> None:
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
    p.add_argument(
        "--check",
        action="store_true",
        help="do not rebuild: look at every paper folder and index what changed outside "
        "Papershelf (an edit of notes.md, a sync tool's changes); searches find those only "
        "after this or the app's start",
    )
    p.set_defaults(func=_reindex)


def _reindex(ctx: Context, args: argparse.Namespace) -> int:
    if args.check:
        with output.ProgressLine("indexing", always=True) as show:
            found = ctx.index.sync(show)
        changed = found.added + found.updated + found.removed
        print(
            f"Checked every paper folder: {plural(changed, 'paper')} indexed anew "
            f"({found.added} added, {found.updated} changed, {found.removed} removed)."
        )
        return EXIT_OK
    with output.ProgressLine("indexing", always=True) as show:
        report = ctx.index.rebuild(show, retry_failed=args.retry_failed)
    stats = ctx.index.stats()
    print(
        f"Indexed {plural(stats.papers, 'paper')} and the text of "
        f"{stats.pdfs_indexed} of {plural(stats.pdfs, 'PDF')}."
    )
    if stats.failures:
        print(f"{len(stats.failures)} PDFs could not be read ('papershelf stats' lists them).")
    log.info("reindex: %s", report)
    return EXIT_OK


def _add_stats(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "stats",
        help="papers, PDFs, PDFs indexed, and the PDFs whose text could not be read",
    )
    options.add_json(p, "the figures")
    p.set_defaults(func=_stats)


def _stats(ctx: Context, args: argparse.Namespace) -> int:
    stats = synced_index(ctx).stats()
    if args.json:
        output.print_json(output.stats_json(stats))
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


# -- attach ---------------------------------------------------------------------------------


def _add_attach(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "attach",
        help="attach a local PDF file to a paper",
        description="Copy a PDF into the paper's folder (as <id>vN.pdf, or under its own "
        "name for a paper without arXiv ID), make it the paper's PDF and index its text.",
    )
    options.add_ref(p)
    p.add_argument("file", metavar="FILE.pdf", type=Path)
    p.add_argument(
        "--force",
        action="store_true",
        help="attach it even when its arXiv stamp names another paper",
    )
    p.set_defaults(func=_attach)


def _attach(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.errors import PdfStampMismatch
    from desktop_app.core.pdf.attach import attach_pdf

    library = ctx.library
    try:
        ctx.index.sync()  # so the change below is indexed at once
    except OSError as e:  # the cache is disposable: attach all the same
        ctx.without_index(e)
    try:
        done = attach_pdf(
            library,
            args.ref,
            args.file,
            force=args.force,
            max_bytes=ctx.settings.max_pdf_bytes,
        )
    except PdfStampMismatch as e:
        print(f"papershelf: error: {e} (--force attaches it anyway)", file=sys.stderr)
        return EXIT_USER_ERROR
    paper = done.paper
    indexed = "indexed" if ctx.index_error is None else "read; indexed by the next search"
    if done.text.ok:
        print(
            f"Attached {args.file} to {paper.display_id} as {done.path.name} "
            f"({plural(done.text.page_count, 'page')}, text {indexed})."
        )
        return EXIT_OK
    print(f"Attached {args.file} to {paper.display_id} as {done.path.name}.")
    print(
        f"papershelf: warning: {done.path.name}: its text cannot be read: {done.text.error}",
        file=sys.stderr,
    )
    return EXIT_OK
