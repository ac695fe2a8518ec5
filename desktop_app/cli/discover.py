"""Finding papers: ``feed`` (follow arXiv categories and searches) and ``related``.

``feed add|list|rm|fetch`` keep ``feeds.json`` and bring each feed's new papers into the inbox
(core.feeds); ``papershelf fetch`` also runs the feed fetches that waited for the network.
The network client is imported only when a command fetches.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_app.cli import fetch, options, output
from desktop_app.cli.context import EXIT_OK, Context, synced_index
from desktop_app.core.feeds import specs


def register(sub: options.Subparsers) -> None:
    """Add this group's commands to the ``papershelf`` parser."""
    p = sub.add_parser(
        "feed",
        help="follow arXiv categories and searches: their new papers come to the inbox",
        description="Follow arXiv categories (cs.IR) and searches in arXiv's query language "
        "(cat:cs.IR AND abs:\"retrieval augmented\", au:Zamani). 'feed fetch' brings each "
        "feed's papers submitted since its last fetch (the last 7 days the first time) into "
        "the inbox; papers dismissed before stay out. Feeds are kept in the library folder "
        "(feeds.json).",
    )
    actions = p.add_subparsers(dest="feed_action", metavar="ACTION", required=True)
    _add_feed_add(actions)
    _add_feed_list(actions)
    _add_feed_rm(actions)
    _add_feed_fetch(actions)
    _add_related(sub)


# -- feed add / list / rm -------------------------------------------------------------------


def _add_feed_add(sub: options.Subparsers) -> None:
    p = sub.add_parser("add", help="follow a category or a search")
    p.add_argument("spec", metavar="SPEC", help="a category (cs.IR) or an arXiv query (au:Zamani)")
    p.add_argument("--name", help="the feed's name (default: the category or the query)")
    p.set_defaults(func=_feed_add)


def _feed_add(ctx: Context, args: argparse.Namespace) -> int:
    feed = specs.add(ctx.library, args.spec, args.name)
    print(f"Following {feed.name} ({feed.query}); 'papershelf feed fetch' brings its papers.")
    return EXIT_OK


def _add_feed_list(sub: options.Subparsers) -> None:
    p = sub.add_parser("list", help="list the feeds, with their papers in the inbox")
    options.add_json(p, "the feeds")
    p.set_defaults(func=_feed_list)


def _feed_list(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.feeds.fetching import inbox_counts

    feeds = specs.load(ctx.library)
    counts = inbox_counts(ctx.library.papers(), feeds)
    if args.json:
        output.print_json(output.feeds_json(feeds, counts))
    elif not feeds:
        print("No feeds: 'papershelf feed add cs.IR' follows a category.")
    else:
        rows = [
            [
                f.name,
                str(counts[f.name]),
                output.day(f.fetched) or ("queued" if f.queued else "never"),
                f.query + ("  (queued)" if f.queued and f.fetched else ""),
            ]
            for f in feeds
        ]
        output.print_table(["NAME", "INBOX", "FETCHED", "QUERY"], rows)
    return EXIT_OK


def _add_feed_rm(sub: options.Subparsers) -> None:
    p = sub.add_parser("rm", help="stop following a feed (its papers stay)")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=_feed_rm)


def _feed_rm(ctx: Context, args: argparse.Namespace) -> int:
    feed = specs.remove(ctx.library, args.name)
    print(f"No longer following {feed.name}; its papers stay in the library.")
    return EXIT_OK


# -- feed fetch -----------------------------------------------------------------------------


def _add_feed_fetch(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "fetch",
        help="bring the feeds' new papers into the inbox",
        description="Ask arXiv for each feed's papers submitted since its last fetch, 3 s "
        "between requests. Offline, the feeds wait in the queue ('papershelf fetch').",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="only these feeds (default: all)")
    p.add_argument(
        "--digest",
        metavar="FILE.md",
        type=Path,
        help="also write the new papers as a Markdown digest (import-digest reads it)",
    )
    options.add_json(p, "what was fetched")
    p.set_defaults(func=_feed_fetch)


def _feed_fetch(ctx: Context, args: argparse.Namespace) -> int:
    if not specs.select(ctx.library, args.names):
        print("No feeds: 'papershelf feed add cs.IR' follows a category.")
        return EXIT_OK
    return fetch.run_feeds(ctx, args, args.names, digest=args.digest)


# -- related --------------------------------------------------------------------------------


def _add_related(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "related",
        help="the papers of the library most like one paper",
        description="List the papers of the library whose title, abstract and tags share the "
        "most telling words with the paper's (the search index's 'more like this').",
    )
    options.add_ref(p)
    p.add_argument("--limit", type=int, default=5, metavar="N", help="at most N papers (5)")
    options.add_json(p, "the papers, with their score")
    p.set_defaults(func=_related)


def _related(ctx: Context, args: argparse.Namespace) -> int:
    key = ctx.library.resolve(args.ref)
    hits = synced_index(ctx).more_like_this(key, limit=max(args.limit, 0))
    if args.json:
        output.print_json([output.hit_json(h) for h in hits])
    elif not hits:
        print(f"Nothing in the library is like {key}.")
    else:
        rows = [
            [h.summary.arxiv_id or h.key, f"{h.score:.1f}", h.summary.title or "(no title)"]
            for h in hits
        ]
        output.print_table(["ID", "SCORE", "TITLE"], rows)
    return EXIT_OK
