"""Changing papers: tags, read status and inbox triage, rating, notes, and the trash.

``tag``, ``tags``, ``tag-rename``, ``status``, ``keep``, ``dismiss``, ``rate``, ``note``, ``rm``,
``restore`` and ``trash``, each parser declared right above its handler. A command given
several papers changes each it can and reports the others (exit status 1).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from desktop_app.cli import options, output
from desktop_app.cli.context import EXIT_OK, Context, for_each
from desktop_app.core.errors import EditConflict, InvalidValue, PapershelfError
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status, normalize_tag
from desktop_app.core.words import plural


def register(sub: options.Subparsers) -> None:
    """Add this group's commands to the ``papershelf`` parser."""
    _add_tag(sub)
    _add_tags(sub)
    _add_tag_rename(sub)
    _add_status(sub)
    _add_keep(sub)
    _add_dismiss(sub)
    _add_rate(sub)
    _add_note(sub)
    _add_rm(sub)
    _add_restore(sub)
    _add_trash(sub)


# -- tags -----------------------------------------------------------------------------------


def _add_tag(sub: options.Subparsers) -> None:
    p = sub.add_parser("tag", help="add or remove tags (repeat --add/--remove for several)")
    options.add_refs(p)
    options.completes_tags(
        p.add_argument("--add", action="append", default=[], metavar="TAG", help="add TAG")
    )
    options.completes_tags(
        p.add_argument("--remove", action="append", default=[], metavar="TAG", help="remove TAG")
    )
    p.set_defaults(func=_tag, parser=p)


def _tag(ctx: Context, args: argparse.Namespace) -> int:
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

    return for_each(args.refs, change)


def _add_tags(sub: options.Subparsers) -> None:
    p = sub.add_parser("tags", help="list the tags with the number of papers of each")
    options.add_json(p, "the tags")
    p.set_defaults(func=_tags)


def _tags(ctx: Context, args: argparse.Namespace) -> int:
    scan = ctx.library.scan()
    output.report_damaged(scan)
    counts = ctx.library.tag_counts(scan.papers)
    tags = sorted(counts, key=lambda t: (t.casefold(), t))
    if args.json:
        output.print_json(output.tags_json(counts, tags))
    elif not tags:
        print("No tags.")
    else:
        width = len(str(max(counts.values())))
        for tag in tags:
            print(f"{counts[tag]:>{width}}  {tag}")
    return EXIT_OK


def _add_tag_rename(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "tag-rename",
        help="rename a tag on every paper (or merge it into an existing one)",
        description="Rename a tag on every paper; tags below it follow (rag/eval becomes "
        "NEW/eval). Renaming onto a tag that exists merges the two.",
    )
    options.completes_tags(p.add_argument("old", metavar="OLD"))
    p.add_argument("new", metavar="NEW")
    p.set_defaults(func=_tag_rename)


def _tag_rename(ctx: Context, args: argparse.Namespace) -> int:
    changed = ctx.library.rename_tag(args.old, args.new)
    if not changed:
        raise InvalidValue(f"no paper has the tag {normalize_tag(args.old)!r}")
    print(
        f"Renamed the tag {normalize_tag(args.old)!r} to {normalize_tag(args.new)!r} "
        f"on {plural(len(changed), 'paper')}."
    )
    return EXIT_OK


# -- status, triage and rating --------------------------------------------------------------


def _add_status(sub: options.Subparsers) -> None:
    statuses = [s.value for s in Status]
    p = sub.add_parser("status", help="set the read status: new, unread, reading, read")
    options.add_refs(p)
    p.add_argument("status", choices=statuses, metavar="{" + ",".join(statuses) + "}")
    p.set_defaults(func=_status)


def _status(ctx: Context, args: argparse.Namespace) -> int:
    status = Status.parse(args.status)

    def change(ref: str) -> None:
        paper = ctx.library.set_status(ref, status)
        print(f"{paper.display_id}  {output.describe_status(paper)}")

    return for_each(args.refs, change)


def _add_keep(sub: options.Subparsers) -> None:
    p = sub.add_parser("keep", help="keep papers from the inbox (status unread)")
    options.add_refs(p)
    p.set_defaults(func=_keep)


def _keep(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.arxiv import fetch

    def keep(ref: str) -> None:
        before = ctx.library.get(ref).status
        paper = fetch.keep_paper(ctx.library, ref, ctx.settings)
        if before is Status.NEW:
            queued = paper.pdf_state is FetchState.PENDING
            print(f"kept {paper.display_id} (unread{', PDF queued' * queued})")
        else:
            print(f"{paper.display_id} is not in the inbox ({paper.status.value}): unchanged")

    return for_each(args.refs, keep)


def _add_dismiss(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "dismiss", help="dismiss papers from the inbox (to the trash; digests skip them)"
    )
    options.add_refs(p)
    p.set_defaults(func=_dismiss)


def _dismiss(ctx: Context, args: argparse.Namespace) -> int:
    def dismiss(ref: str) -> None:
        key = ctx.library.dismiss(ref)
        print(f"dismissed {key} (in the trash; later digests will not bring it back)")

    return for_each(args.refs, dismiss)


def _add_rate(sub: options.Subparsers) -> None:
    p = sub.add_parser("rate", help="rate a paper from 0 (no rating) to 5")
    options.add_ref(p)
    p.add_argument("rating", type=int, metavar="N")
    p.set_defaults(func=_rate)


def _rate(ctx: Context, args: argparse.Namespace) -> int:
    paper = ctx.library.set_rating(args.ref, args.rating)
    print(f"{paper.display_id}  {output.stars(paper.rating)}")
    return EXIT_OK


# -- notes ----------------------------------------------------------------------------------


def _add_note(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "note",
        help="print, set, append to or edit a paper's notes",
        description="Without an option, print the notes. TEXT '-' reads standard input. "
        "--edit opens $VISUAL or $EDITOR on the notes.",
    )
    options.add_ref(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--set", metavar="TEXT", help="replace the notes ('' deletes them)")
    group.add_argument("--append", metavar="TEXT", help="add a paragraph at the end")
    group.add_argument("--edit", action="store_true", help="edit the notes in $EDITOR")
    p.set_defaults(func=_note)


def _note(ctx: Context, args: argparse.Namespace) -> int:
    library = ctx.library
    key = library.resolve(args.ref)
    if args.set is not None:
        library.write_notes(key, options.text_arg(args.set))
    elif args.append is not None:
        text = options.text_arg(args.append)
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


# -- the trash ------------------------------------------------------------------------------


def _add_rm(sub: options.Subparsers) -> None:
    p = sub.add_parser("rm", help="move papers to the trash (restore brings them back)")
    options.add_refs(p)
    p.set_defaults(func=_rm)


def _rm(ctx: Context, args: argparse.Namespace) -> int:
    def rm(ref: str) -> None:
        key = ctx.library.delete(ref)
        print(f"moved {key} to the trash ('papershelf restore {key}' brings it back)")

    return for_each(args.refs, rm)


def _add_restore(sub: options.Subparsers) -> None:
    p = sub.add_parser("restore", help="bring papers back from the trash")
    options.add_refs(p)
    p.set_defaults(func=_restore)


def _restore(ctx: Context, args: argparse.Namespace) -> int:
    def restore(ref: str) -> None:
        paper = ctx.library.restore(ref)
        print(f"restored {paper.display_id} ({paper.status.value})")

    return for_each(args.refs, restore)


def _add_trash(sub: options.Subparsers) -> None:
    p = sub.add_parser("trash", help="list the papers in the trash (--empty removes them)")
    p.add_argument("--empty", action="store_true", help="remove the papers in the trash for good")
    options.add_json(p, "the papers")
    p.set_defaults(func=_trash)


def _trash(ctx: Context, args: argparse.Namespace) -> int:
    library = ctx.library
    if args.empty:
        count = library.empty_trash()
        print(f"Emptied the trash: {plural(count, 'paper')} removed for good.")
        return EXIT_OK
    papers = library.trash()
    if args.json:
        output.print_json(output.trash_json(library, papers))
    elif not papers:
        print("The trash is empty.")
    else:
        output.print_table(
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
