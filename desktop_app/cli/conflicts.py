"""``conflicts``: the conflict copies sync tools left in paper folders, and their merge."""

from __future__ import annotations

import argparse
import sys

from desktop_app.cli import options
from desktop_app.cli.context import EXIT_OK, EXIT_USER_ERROR, Context
from desktop_app.core.words import plural


def register(sub: options.Subparsers) -> None:
    """Add this group's command to the ``papershelf`` parser."""
    p = sub.add_parser(
        "conflicts",
        help="list the conflict copies of Syncthing, Dropbox or Nextcloud (--merge merges them)",
        description="List the conflict copies that Syncthing, Dropbox or Nextcloud left in the "
        "library's paper folders. With --merge, fold them into paper.json, notes.md and "
        "annotations.json: tags united, notes kept from both, the later status and the later "
        "edit of each annotation win. Nothing is deleted: the copies and the files as they "
        "were go to <library>/.merged/<key>/.",
    )
    p.add_argument("--merge", action="store_true", help="merge every conflict copy found")
    p.set_defaults(func=_conflicts)


def _conflicts(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core import conflicts

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
