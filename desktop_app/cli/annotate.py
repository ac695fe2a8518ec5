"""``annotations``, ``annotate``, ``export annotated-pdf``: annotations on the command line.

``papershelf annotations ID`` lists them (``--json``: the entries of annotations.json as
they are stored; ``--markdown``: as "Add annotations to notes" writes them);
``papershelf annotations import ID`` takes in the annotations other readers left inside the
PDF; ``papershelf annotate ID --page N --text "…"`` highlights words on a page (scripts and
tests use it); ``papershelf export annotated-pdf ID -o FILE`` (declared with ``export`` in
:mod:`~desktop_app.cli.interop`) writes a copy of the PDF with them embedded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_app.cli import options, output
from desktop_app.cli.context import EXIT_OK, Context
from desktop_app.core.annotations.model import Color, Kind
from desktop_app.core.errors import InvalidValue
from desktop_app.core.words import plural

#: The ``export`` format that writes an annotated copy of a paper's PDF.
ANNOTATED_PDF = "annotated-pdf"


def register(sub: options.Subparsers) -> None:
    """Add this group's commands to the ``papershelf`` parser."""
    _add_annotations(sub)
    _add_annotate(sub)


def _add_annotations(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "annotations",
        help="list a paper's annotations ('annotations import ID' takes in the PDF's own)",
        description="List a paper's highlights, underlines, notes and areas in page order. "
        "'papershelf annotations import ID' imports the highlights, underlines and text notes "
        "that another reader (Okular, Acrobat, Zotero's export) left inside the paper's PDF; "
        "importing again adds nothing twice.",
    )
    p.add_argument("ref", nargs="+", metavar="ID", help="a paper, or 'import' and a paper")
    form = p.add_mutually_exclusive_group()
    options.add_json(form, "the annotations")  # type: ignore[arg-type]
    form.add_argument("--markdown", action="store_true", help="print them as Markdown")
    p.set_defaults(func=_annotations)


def _annotations(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.annotations import markdown, store

    words: list[str] = args.ref
    if words[0] == "import" and len(words) == 2:
        return _import(ctx, words[1], as_json=args.json)
    if len(words) != 1:
        raise InvalidValue(f"one paper expected, not {' '.join(words)!r}")
    library = ctx.library
    paper = library.get(words[0])
    items = store.live(library, paper.key)
    if args.json:
        output.print_json(output.annotations_json(paper.key, items))
    elif args.markdown:
        sys.stdout.write(markdown.annotations_markdown(paper.key, items))
    elif not items:
        print(f"No annotations on {paper.display_id}.", file=sys.stderr)
    else:
        rows = [
            [
                str(a.page),
                a.color.value,
                a.kind.value,
                (f"[not found in {a.not_found_in}] " if a.not_found_in else "") + a.label,
                " ".join(a.comment.split()),
                a.id[:8],
            ]
            for a in items
        ]
        output.print_table(["PAGE", "COLOUR", "KIND", "TEXT", "COMMENT", "ID"], rows)
    return EXIT_OK


def _import(ctx: Context, ref: str, *, as_json: bool) -> int:
    from desktop_app.core.annotations import ops

    report = ops.import_from_pdf(ctx.library, ref)
    if as_json:
        key = ctx.library.resolve(ref)
        output.print_json(output.annotations_json(key, report.added))
        return EXIT_OK
    for a in report.added:
        print(f"p. {a.page}\t{a.color.value}\t{a.kind.value}\t{a.label}")
    known = f" ({report.known} imported before)" if report.known else ""
    print(f"Imported {plural(len(report.added), 'annotation')}{known}.", file=sys.stderr)
    return EXIT_OK


def _add_annotate(sub: options.Subparsers) -> None:
    p = sub.add_parser(
        "annotate",
        help="highlight words on a page of a paper's PDF",
        description="Find the words on the page of the paper's PDF and highlight them "
        "(white space, line breaks and hyphenation at a line end do not matter; case only "
        "when the exact case is not there). Prints the new annotation's id.",
    )
    options.add_ref(p)
    p.add_argument("--page", type=int, required=True, metavar="N", help="the page (1 = first)")
    p.add_argument("--text", required=True, metavar="WORDS", help="the exact words ('-': stdin)")
    p.add_argument("--comment", default="", metavar="TEXT", help="a comment, in Markdown")
    p.add_argument(
        "--color", default="yellow", choices=[c.value for c in Color], help="default: yellow"
    )
    p.add_argument("--underline", action="store_true", help="underline rather than highlight")
    options.add_json(p, "the new annotation")
    p.set_defaults(func=_annotate)


def _annotate(ctx: Context, args: argparse.Namespace) -> int:
    from desktop_app.core.annotations import ops

    ann = ops.highlight_words(
        ctx.library,
        args.ref,
        args.page,
        options.text_arg(args.text),
        color=Color(args.color),
        comment=options.text_arg(args.comment) if args.comment else "",
        kind=Kind.UNDERLINE if args.underline else Kind.HIGHLIGHT,
    )
    if args.json:
        output.print_json(ann.to_dict())
    else:
        print(ann.id)
    return EXIT_OK


def export_annotated_pdf(ctx: Context, args: argparse.Namespace) -> int:
    """``export annotated-pdf ID -o FILE``."""
    from desktop_app.core.annotations import ops

    refs: list[str] = args.query
    if len(refs) != 1 or args.output is None:
        raise InvalidValue("export annotated-pdf takes one paper and -o FILE.pdf")
    if getattr(args, "keep_updated", False):
        raise InvalidValue("export annotated-pdf cannot be kept updated (--keep-updated)")
    dest: Path = args.output
    n = ops.export_annotated_pdf(ctx.library, refs[0], dest)
    print(f"Wrote {dest} with {plural(n, 'annotation')}.", file=sys.stderr)
    return EXIT_OK
