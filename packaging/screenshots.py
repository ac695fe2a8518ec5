"""Screenshots of the window on the sample library: the library, light and dark, and the reader.

    .venv/bin/python packaging/screenshots.py          # or: make screenshots

writes ``resources/screenshots/library-light.png``, ``library-dark.png`` and ``reader.png``
(1280×800, shown in the README), and the window as it opens on smaller and scaled screens
(1024×640, 1280×800, 1600×1000 at QT_SCALE_FACTOR=2; each case in :data:`CASES` runs in its
own process, on an offscreen screen of that size). Each case prints what
:func:`measure` finds (tests/gui/test_screens.py asserts it). The sample digest is imported
into a temporary library and given some life
(statuses, ratings, tags, notes, PDF states) as a reader's library would have; nothing of the
user's is touched (temporary cache, config and log folders). The reader shows a sample paper
typeset here with Qt (title, authors and abstract from the digest, placeholder sections, an
outline), attached as ``papershelf attach`` would, so no third-party PDF is shown. Runs
headless (Qt's offscreen platform) unless ``--show`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "screenshots"
SIZE = (1280, 800)

TAGS = {
    "2504.05220": ["rag/annotation", "to-cite"],
    "2504.05216": ["dense-retrieval", "llm"],
    "2504.05181": ["generative-ir"],
    "2504.04843": ["recsys"],
    "2504.04726": ["recsys", "llm"],
    "2504.04707": ["multimodal"],
}
NOTES = {
    "2504.05220": (
        "# Utility-focused annotation\n\n"
        "- LLM labels beat human ones **out of domain**\n"
        "- 20% human data closes the in-domain gap\n\n"
        "Compare with the Disj-InfoNCE loss in our setup."
    ),
    "2504.05216": "Attention Stop + Input Corruption: try on our MS MARCO baseline.",
}


def _minimal_pdf(title: str) -> bytes:
    """A one-page PDF (so the list shows a PDF on disk)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# -- the reader's screenshot: a sample paper typeset by Qt ----------------------------------

#: The paper shown in the reader: its title, authors and abstract come from the sample digest;
#: the sections are placeholder text written for the screenshot (no real paper is shown).
READER_KEY = "2504.05220"
READER_FIND = "utility"
READER_PAGE = 2

SECTIONS: list[tuple[str, list[str]]] = [
    ("1 Introduction", ["intro", "motivation", "contrib"]),
    ("2 Related Work", ["related"]),
    ("2.1 Relevance annotation with LLMs", ["llm-judges", "cost"]),
    ("2.2 Utility in retrieval-augmented generation", ["utility", "rag"]),
    ("3 Utility-Focused Annotation", ["pipeline"]),
    ("3.1 Selecting useful passages", ["selection", "prompt", "noise"]),
    ("3.2 A loss for noisy positives", ["loss", "loss2"]),
    ("4 Experimental Setup", ["setup"]),
    ("4.1 Collections and tasks", ["data", "tasks"]),
    ("4.2 Retrievers and baselines", ["models", "baselines"]),
    ("5 Results", ["results"]),
    ("5.1 In-domain retrieval", ["indomain", "mix"]),
    ("5.2 Out-of-domain retrieval and RAG", ["outdomain", "rag-results"]),
    ("6 Analysis", ["analysis", "errors", "cost2"]),
    ("7 Conclusion", ["conclusion", "future"]),
]

PARAGRAPHS = {
    "intro": "Dense retrievers learn what a good answer to a query looks like from examples: "
    "pairs of queries and the passages that people judged relevant to them. Collecting such "
    "judgements is slow and costly, and the collections built so far reflect the habits of "
    "the people and the tasks they were made for. Large language models read a query and a "
    "passage much as an assessor would, which makes them an attractive source of labels for "
    "training data at a scale no team of annotators could reach.",
    "motivation": "Relevance, however, is not the whole story once the retrieved passages "
    "feed a generator. A passage can be on topic and still add nothing to the answer, while "
    "another that a judge would call marginal holds the one fact the answer needs. We call "
    "the value of a passage for the answer its <i>utility</i>, and ask whether labels that "
    "express utility, rather than topical relevance, make better training data for the "
    "retrievers that serve retrieval-augmented generation.",
    "contrib": "This paper makes three contributions. First, an annotation pipeline in which "
    "a language model selects, among the candidates of a first-stage retriever, the passages "
    "it finds useful for answering the query. Second, a training objective that tolerates "
    "the false positives such labels contain. Third, a comparison of retrievers trained on "
    "human labels, on relevance labels from a model and on utility labels, in domain and "
    "out of domain, for retrieval and for question answering.",
    "related": "Our work sits between two lines of research: the use of language models as "
    "relevance assessors, and the study of what makes retrieved context helpful to a "
    "generator. We review both briefly and point out where utility judgements differ from "
    "the relevance judgements collected for evaluation campaigns.",
    "llm-judges": "Several studies report that language models agree with human assessors "
    "about as often as assessors agree with one another, at least for graded relevance on "
    "web and news collections. Labels produced this way have been used to evaluate systems, "
    "to fill holes in judgement pools and to train rankers. Agreement drops for queries that "
    "need domain knowledge, and the models tend to be lenient: passages that merely mention "
    "the query's words are often judged relevant.",
    "cost": "The appeal of such labels is their cost. A model can label millions of pairs "
    "in the time a human team needs for a few thousand, and the labelling can be repeated "
    "for a new domain or a new task without recruiting and training assessors again.",
    "utility": "In retrieval-augmented generation, the retriever's output is read by a "
    "generator, not by a person. Passages are useful when they let the generator produce a "
    "correct and complete answer; redundant or distracting passages can make the answer "
    "worse even when each of them is on topic. Judging utility therefore needs a view of "
    "the answer, or at least of what the answer requires.",
    "rag": "Earlier work measures utility directly by generating an answer with and without "
    "each passage and comparing the results to a reference answer. This needs reference "
    "answers, which are as costly as relevance labels and tied to one task. Asking a model "
    "to pick the passages it would use avoids both costs.",
    "pipeline": "The annotation proceeds in two steps for each training query: a first-stage "
    "retriever proposes candidate passages, and a language model reads the query with the "
    "candidates and selects those that help to answer it. The selected passages become the "
    "positives for training; the others, with passages sampled from the collection, become "
    "the negatives.",
    "selection": "Candidates are shown to the model in small groups, with their order "
    "shuffled between rounds so that a passage's position does not decide its fate. A "
    "passage counts as useful when it is selected in most of the rounds it takes part in. "
    "The model is asked for the passages' numbers only, which keeps the answers short and "
    "easy to check.",
    "prompt": "The instruction describes utility in plain words: a passage is useful when "
    "its content would be used in a good answer to the question, and not useful when it "
    "only repeats the question's words or covers a neighbouring topic. We found that asking "
    "the model to draft an answer first, and select passages afterwards, gives more "
    "consistent selections.",
    "noise": "No annotation is free of mistakes. Some selected passages are not useful, and "
    "for some queries no candidate is; the model then tends to select the least bad one. "
    "Training on these positives as if they were certain teaches the retriever the model's "
    "mistakes along with its judgements.",
    "loss": "The usual contrastive loss treats every positive as a separate target and "
    "pushes its score above those of all negatives. With several positives of uneven "
    "quality, it spends its effort on the worst of them. Our loss treats the positives of "
    "a query as a disjunction instead: the query is served well when <i>any</i> of them is "
    "ranked above the negatives, so the sum of their probabilities enters the loss.",
    "loss2": "Written out, the loss for a query is the negative logarithm of the summed "
    "probability that the softmax over all candidates assigns to the positives. A single "
    "false positive then costs little, as long as the true positives are found; when all "
    "positives are genuine, the loss behaves like the usual one.",
    "setup": "We train retrievers on the same queries with different labels and evaluate "
    "them on retrieval and on question answering, both on the collection the training "
    "queries come from and on collections from other domains.",
    "data": "The training queries and passages come from a large web question-answering "
    "collection with human relevance labels. For out-of-domain evaluation we use a benchmark "
    "of heterogeneous retrieval tasks covering scientific claims, financial questions, "
    "argument retrieval and entity search, among others.",
    "tasks": "For retrieval-augmented generation, the top passages of each retriever are "
    "given to the same generator, and answers are compared with reference answers from "
    "open-domain question-answering datasets.",
    "models": "All retrievers share one architecture: a bi-encoder initialised from a "
    "pre-trained language model, with the query and the passage encoded separately and "
    "compared by the inner product of their embeddings.",
    "baselines": "The baselines are the same retriever trained on the human labels, and "
    "trained on relevance labels produced by the language model with an instruction that "
    "asks for topical relevance instead of utility.",
    "results": "We first compare the labels in the setting they were made for, then move "
    "to other domains and to question answering.",
    "indomain": "On the collection the training queries come from, the human labels remain "
    "the best training data: they were made for exactly this kind of query, and the "
    "evaluation uses labels of the same kind. Retrievers trained on model labels come "
    "close, with utility labels ahead of relevance labels.",
    "mix": "Adding a small share of human-labelled queries to the utility-labelled ones "
    "closes most of the remaining gap, which suggests that the two kinds of label "
    "complement each other rather than conflict.",
    "outdomain": "Away from the training domain the order changes. Retrievers trained on "
    "utility labels generalise better than those trained on human labels, in particular "
    "on tasks whose queries are long or whose answers need several passages.",
    "rag-results": "In question answering, the passages found by the utility-trained "
    "retrievers lead to more correct answers, even where their retrieval scores are similar "
    "to the baselines': they rank the passages the generator needs a little higher.",
    "analysis": "To understand the differences, we inspected queries where the retrievers "
    "disagree. Relevance labels reward passages that restate the question; utility labels "
    "favour passages with the specific facts the answer needs, such as dates, quantities "
    "and definitions.",
    "errors": "The most common annotation errors are selections for queries that no "
    "candidate answers. Filtering these queries by the agreement between rounds removes "
    "many errors at the cost of a few good examples.",
    "cost2": "Annotation with a model costs a small fraction of human annotation per query, "
    "and the cost grows with the number of candidates shown; a few dozen candidates per "
    "query were enough in our experiments.",
    "conclusion": "Utility judgements from a language model are a practical source of "
    "training data for retrievers. They do not replace human labels within the domain the "
    "labels were made for, but they generalise better beyond it, and a small amount of "
    "human data closes the gap in domain.",
    "future": "Open questions remain: how to choose candidates so that useful passages are "
    "among them, how to judge utility for answers that combine many passages, and how the "
    "choice of annotating model affects the retrievers trained on its labels.",
}

REFERENCES = [
    "A. Author and B. Author. Placeholder reference for a retrieval paper. 2023.",
    "C. Author. Placeholder reference for relevance judgements by language models. 2024.",
    "D. Author, E. Author and F. Author. Placeholder reference for retrieval-augmented "
    "generation. 2022.",
    "G. Author. Placeholder reference for contrastive training of dense retrievers. 2021.",
    "H. Author and I. Author. Placeholder reference for a heterogeneous benchmark. 2021.",
]


def _paper_html(title: str, authors: list[str], abstract: str) -> str:
    """The sample paper as HTML for QTextDocument."""
    from html import escape

    parts = [
        f"<p align=center style='font-size:17pt; font-weight:bold'>{escape(title)}</p>",
        f"<p align=center style='font-size:10.5pt'>{escape(', '.join(authors))}</p>",
        "<p align=center style='font-size:9pt; color:#555'>Sample document made by "
        "Papershelf's screenshot script from the paper's title and abstract; the sections "
        "are placeholder text.</p>",
        "<p align=center style='font-size:11pt; font-weight:bold'>Abstract</p>",
        f"<p align=justify style='margin-left:30px; margin-right:30px'>{escape(abstract)}</p>",
    ]
    for heading, keys in SECTIONS:
        size = "13pt" if heading.split()[0].count(".") == 0 else "11.5pt"
        parts.append(
            f"<p style='font-size:{size}; font-weight:bold; margin-top:14px'>{heading}</p>"
        )
        parts.extend(f"<p align=justify>{PARAGRAPHS[k]}</p>" for k in keys)
    parts.append("<p style='font-size:13pt; font-weight:bold; margin-top:14px'>References</p>")
    parts.extend(
        f"<p style='font-size:9pt'>[{i}] {escape(ref)}</p>"
        for i, ref in enumerate(REFERENCES, start=1)
    )
    return "\n".join(parts)


def write_sample_paper(path: Path, title: str, authors: list[str], abstract: str) -> Path:
    """Typeset the sample paper to ``path`` (US Letter) with an outline of its sections.

    Pages are drawn one by one (not with ``QTextDocument.print``) to give them a running
    head and a page number, as a paper has.
    """
    from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
    from PySide6.QtGui import (
        QColor,
        QFont,
        QPageLayout,
        QPageSize,
        QPainter,
        QPdfWriter,
        QTextDocument,
        QTextLine,
    )

    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("Papershelf screenshots")
    mm = writer.resolution() / 25.4
    page = QRectF(0, 0, writer.width(), writer.height())
    body = page.adjusted(24 * mm, 24 * mm, -24 * mm, -22 * mm)

    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    font = QFont("DejaVu Serif")
    font.setPointSizeF(10.5)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setPageSize(QSizeF(body.width(), body.height()))
    doc.setHtml(_paper_html(title, authors, abstract))
    surname = authors[0].split()[-1] if authors else ""
    running_head = f"{surname} et al." if len(authors) > 1 else surname
    small = QFont("DejaVu Serif")
    small.setPointSizeF(8)

    # Each line on its page (drawing the whole layout with a clip would draw a paragraph
    # split between pages on both, and a search would find its clipped lines).
    layout = doc.documentLayout()
    lines: dict[int, list[tuple[QTextLine, float, float]]] = {}
    block = doc.begin()
    while block.isValid():
        origin = layout.blockBoundingRect(block).topLeft()
        text_layout = block.layout()
        for n in range(text_layout.lineCount()):
            line = text_layout.lineAt(n)
            middle = origin.y() + line.y() + line.height() / 2
            lines.setdefault(int(middle // body.height()), []).append(
                (line, origin.x(), origin.y())
            )
        block = block.next()

    painter = QPainter(writer)
    try:
        for i in range(doc.pageCount()):
            if i:
                writer.newPage()
            painter.setFont(small)
            painter.setPen(QColor("#444444"))
            if i:
                head = QRectF(body.left(), 12 * mm, body.width(), 6 * mm)
                painter.drawText(head, Qt.AlignmentFlag.AlignLeft, running_head)
                painter.drawText(head, Qt.AlignmentFlag.AlignRight, "Papershelf sample paper")
                y = head.bottom() + 1 * mm
                painter.drawLine(QPointF(body.left(), y), QPointF(body.right(), y))
            foot = QRectF(body.left(), page.bottom() - 14 * mm, body.width(), 6 * mm)
            painter.drawText(foot, Qt.AlignmentFlag.AlignHCenter, str(i + 1))
            painter.setPen(QColor("#000000"))
            for line, x, y in lines.get(i, []):
                line.draw(painter, QPointF(body.left() + x, body.top() + y - i * body.height()))
    finally:
        painter.end()
    del writer  # closes the file
    headings = [heading for heading, _ in SECTIONS] + ["References"]
    _add_outline(path, headings)
    return path


def _heading_places(path: Path, headings: list[str]) -> list[tuple[int, float]]:
    """(page index, top in PDF points) of each heading, found in the PDF's text in order."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        places: list[tuple[int, float]] = []
        page_no = 0
        for heading in headings:
            while page_no < len(pdf):
                text = pdf[page_no].get_textpage()
                found = text.search(heading, match_case=True).get_next()
                if found is not None:
                    box = text.get_charbox(found[0])
                    places.append((page_no, box[3] + 12))
                    break
                page_no += 1
            else:
                raise RuntimeError(f"{path}: heading {heading!r} not found")
        return places
    finally:
        pdf.close()


def _add_outline(path: Path, headings: list[str]) -> None:
    """Append an outline (sections, with subsections nested) to a PDF as an incremental update.

    Qt's PDF writer makes no outline; this adds one so the reader shows its "Contents".
    """
    import re

    data = path.read_bytes()
    root = int(re.findall(rb"/Root (\d+) 0 R", data)[-1])
    info = int(re.findall(rb"/Info (\d+) 0 R", data)[-1])
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    catalog = re.search(rb"\n%d 0 obj\s*<<(.*?)>>\s*endobj" % root, data, re.S)
    kids_at = re.search(rb"/Type /Pages\s*/Kids\s*\[(.*?)\]", data, re.S)
    assert catalog is not None and kids_at is not None, f"{path}: unexpected PDF layout"
    pages = [int(n) for n in re.findall(rb"(\d+) 0 R", kids_at.group(1))]
    places = _heading_places(path, headings)

    # Objects: the outline root, then one item per heading; subsections ("2.1 …") nest
    # under the section before them.
    outline = size
    ids = {i: size + 1 + i for i in range(len(headings))}
    parent: dict[int, int] = {}
    children: dict[int, list[int]] = {-1: []}
    for i, heading in enumerate(headings):
        sub = "." in heading.split()[0]
        if sub and children[-1]:
            parent[i] = children[-1][-1]
            children.setdefault(parent[i], []).append(i)
        else:
            parent[i] = -1
            children[-1].append(i)

    def ref(i: int) -> bytes:
        return b"%d 0 R" % (outline if i == -1 else ids[i])

    def first_last(kids: list[int]) -> bytes:
        return b"/First %s /Last %s" % (ref(kids[0]), ref(kids[-1]))

    top = children[-1]
    objects = {outline: b"<< /Type /Outlines %s /Count %d >>" % (first_last(top), len(top))}
    for i, heading in enumerate(headings):
        siblings = children[parent[i]]
        at = siblings.index(i)
        page, top = places[i]
        fields = [
            b"/Title (" + heading.encode("latin-1") + b")",
            b"/Parent " + ref(parent[i]),
            b"/Dest [%d 0 R /XYZ null %.1f null]" % (pages[page], top),
        ]
        if at > 0:
            fields.append(b"/Prev " + ref(siblings[at - 1]))
        if at + 1 < len(siblings):
            fields.append(b"/Next " + ref(siblings[at + 1]))
        if i in children:  # it has subsections, shown closed (a negative count)
            fields.append(b"%s /Count -%d" % (first_last(children[i]), len(children[i])))
        objects[ids[i]] = b"<< " + b" ".join(fields) + b" >>"
    body = catalog.group(1).strip()
    objects[root] = b"<< " + body + b" /Outlines %d 0 R /PageMode /UseOutlines >>" % outline

    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    out += b"%d 1\n%010d 00000 n \n" % (root, offsets[root])
    new = sorted(n for n in objects if n != root)
    out += b"%d %d\n" % (new[0], len(new))
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in new)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\n" % (
        new[-1] + 1,
        root,
        info,
        prev,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))


def build_library(root: Path) -> object:
    """The sample digest, triaged: most papers kept, a few read or being read."""
    from importlib import resources

    from desktop_app.core.interop.digest import import_digest
    from desktop_app.core.library import Library
    from desktop_app.core.paper import FetchState, Status

    library = Library.open(root)
    text = resources.files("desktop_app.resources").joinpath("sample-digest.md").read_text("utf-8")
    report = import_digest(library, text, Status.NEW, source="sample-digest.md")
    keys = report.added
    for i, key in enumerate(keys[:-7]):  # the last seven stay in the inbox
        status = [Status.UNREAD, Status.READING, Status.READ, Status.UNREAD][i % 4]

        def change(p, status=status, i=i):  # type: ignore[no-untyped-def]
            p.set_status(status)
            p.rating = 4 if p.key == "2504.05220" else [0, 4, 5, 0, 3, 0, 0][i % 7]
            p.tags = TAGS.get(p.key, [])
            if i % 3 != 2:
                p.pdf_file = f"{p.key}v1.pdf"
                p.pdf_state = FetchState.DONE
                p.page_count, p.last_page = (12, 5) if status is Status.READING else (12, 0)
            elif i % 6 == 5:
                p.pdf_state, p.pdf_error = FetchState.FAILED, "HTTP 503 (arXiv busy), 4 tries"
            else:
                p.pdf_state = FetchState.PENDING

        paper = library.update(key, change)
        if paper.pdf_file:
            (library.paper_dir(key) / paper.pdf_file).write_bytes(_minimal_pdf(paper.title))
        if key in NOTES:
            library.write_notes(key, NOTES[key])
    return library


def attach_sample_paper(library: object, folder: Path) -> None:
    """Typeset the sample paper of :data:`READER_KEY` and attach it (as ``papershelf attach``)."""
    from desktop_app.core.library import Library
    from desktop_app.core.paper import Status
    from desktop_app.core.pdf.attach import attach_pdf

    assert isinstance(library, Library)
    paper = library.get(READER_KEY)
    source = write_sample_paper(
        folder / f"{READER_KEY}.pdf", paper.title, paper.authors, paper.abstract
    )
    attached = attach_pdf(library, READER_KEY, source)
    assert attached.text.ok, f"the sample paper's text cannot be read: {attached.text}"

    def reading(p):  # type: ignore[no-untyped-def]
        p.set_status(Status.READING)
        p.last_page = READER_PAGE

    library.update(READER_KEY, reading)


@dataclass(frozen=True)
class Case:
    """One screenshot: the screen it is taken on and what the window shows.

    ``window`` is the window's size, or None for the size the app opens at on that screen (a
    first start: 1280×800, made to fit the screen). ``scale`` is QT_SCALE_FACTOR. ``reader``
    opens the sample paper, on ``page`` (0: its last page).
    """

    name: str
    screen: tuple[int, int]
    window: tuple[int, int] | None = None
    scale: float = 1.0
    dark: bool = False
    query: str = ""
    reader: bool = False
    page: int = READER_PAGE


CASES = [
    Case("library-light", (1600, 1000), SIZE),
    Case("library-dark", (1600, 1000), SIZE, dark=True, query="retrieval"),
    Case("reader", (1600, 1000), SIZE, reader=True),
    Case("library-1024x640", (1024, 640)),
    Case("reader-last-page-1024x640", (1024, 640), reader=True, page=0),
    Case("library-1600x1000-dark", (1600, 1000), (1600, 1000), dark=True),
    Case("library-scale-2", (1600, 1000), scale=2),
    Case("reader-scale-2-dark", (1600, 1000), scale=2, dark=True, reader=True, page=0),
    Case("reader-last-page-1280x800", (1280, 800), reader=True, page=0),
]


def measure(window: object) -> dict[str, object]:
    """What a user would notice about the window's fit (tests/test_screens.py checks it)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QWidget

    from desktop_app.gui.window.main_window import MainWindow

    assert isinstance(window, MainWindow)
    screen = window.screen().availableGeometry()
    detail = window.detail
    inside = QRect(QPoint(0, 0), window.size())
    viewport = detail.viewport()
    outside: list[str] = []
    cut: list[str] = []
    for child in detail.widget().findChildren(QWidget):
        if not child.isVisibleTo(window) or child.width() <= 0:
            continue
        name = child.accessibleName() or child.objectName() or type(child).__name__
        if hasattr(child, "text") and callable(child.text) and isinstance(child.text(), str):
            name = f"{name} {child.text()[:30]!r}"
        # Across: inside the window (below its bottom is reachable by scrolling the pane).
        box = QRect(child.mapTo(window, QPoint(0, 0)), child.size())
        if box.left() < 0 or box.right() > inside.right():
            outside.append(name)
        seen = QRect(child.mapTo(viewport, QPoint(0, 0)), child.size())
        if seen.right() > viewport.width() or seen.left() < 0:
            cut.append(name)
    return {
        "screen": [screen.width(), screen.height()],
        "window": [window.frameGeometry().width(), window.frameGeometry().height()],
        "window_inside_screen": screen.contains(window.frameGeometry()),
        "detail_horizontal_scrollbar": detail.horizontalScrollBar().isVisible(),
        "detail_widgets_outside_window": outside,
        "detail_widgets_cut_at_the_right": cut,
    }


def shoot(case: Case, out: Path, show: bool = False) -> dict[str, object]:
    """Take ``case``'s screenshot into ``out``; returns :func:`measure`'s figures."""
    from PySide6.QtCore import QEventLoop, QModelIndex
    from PySide6.QtWidgets import QApplication

    from desktop_app.core.library import Library
    from desktop_app.core.settings import Settings
    from desktop_app.gui import icons
    from desktop_app.gui.app import build_window
    from desktop_app.gui.features import find
    from desktop_app.gui.features.reader import ReaderFeature
    from desktop_app.gui.theme import apply_appearance
    from desktop_app.gui.widgets.sidebar_model import ALL_ID

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    apply_appearance(app, "dark" if case.dark else "light")  # as the Appearance setting does
    icons.clear_cache()

    base = Path(tempfile.mkdtemp(prefix="papershelf-shot-"))
    library = build_library(base / "Reading list")
    assert isinstance(library, Library)
    if case.reader:
        attach_sample_paper(library, base)
    window = build_window(library, Settings(offline=True))
    if case.window:
        window.resize(*case.window)
    window.show()

    def spin(seconds: float, until: object = None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if callable(until) and until():
                return
            time.sleep(0.01)

    spin(30, lambda: window.bridge.index_is_ready and window.results is not None)
    window.sidebar.select_node(ALL_ID)
    if case.query:
        window.search.set_text(case.query)
    spin(10, lambda: window.model.rowCount() > 0)
    window.select_key(READER_KEY)
    window.table.setFocus()
    spin(1)
    figures = measure(window)
    if case.reader:
        window.search.set_text("")
        reader_feature = find(window.host.features, ReaderFeature)
        page = case.page or 10_000
        find_words = [READER_FIND] if case.page else None
        view = reader_feature.open_paper(READER_KEY, page=page, find=find_words)
        assert view is not None, "the sample paper did not open"
        spin(10, lambda: view.loaded and view.current_page > 1)
        if find_words:
            spin(10, lambda: view.search_model.rowCount(QModelIndex()) > 0)
            view.outline_view.expand(view.outline_model.index(1, 0))  # "2 Related Work"
        else:
            spin(10, view.read_bar.isVisible)
        figures["reader_page"] = [view.current_page, view.page_count]
        figures["read_bar_shown"] = view.read_bar.isVisible()
    spin(1.5)
    screen = window.screen().availableGeometry()
    figures["window_after"] = [window.frameGeometry().width(), window.frameGeometry().height()]
    figures["window_after_inside_screen"] = screen.contains(window.frameGeometry())
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    if show:
        spin(3600, lambda: not window.isVisible())
    window.close()
    return figures


def run_case(case: Case, out_dir: Path, show: bool = False) -> dict[str, object]:
    """Shoot ``case`` in a child process (the screen and scale are fixed per process)."""
    config = Path(tempfile.mkdtemp(prefix="papershelf-screen-")) / "screen.json"
    width, height = case.screen
    screen = {"name": "screen", "x": 0, "y": 0, "width": width, "height": height}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    env = dict(os.environ)
    if not show:
        env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    env["QT_SCALE_FACTOR"] = str(case.scale)
    command = [sys.executable, str(Path(__file__).resolve()), "--case", case.name]
    command += ["--out", str(out_dir)] + (["--show"] if show else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"screenshot {case.name} failed:\n{done.stderr}")
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="open the window on screen")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    parser.add_argument(
        "--case", choices=[c.name for c in CASES], help="take this one screenshot here"
    )
    args = parser.parse_args()
    if not args.show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.case is None:
        for case in CASES:
            figures = run_case(case, args.out, args.show)
            print(args.out / f"{case.name}.png", json.dumps(figures))
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="papershelf-shots-"))
    for name in ("CACHE", "CONFIG", "LOG"):
        os.environ[f"PAPERSHELF_{name}_DIR"] = str(scratch / name.lower())
    sys.path.insert(0, str(ROOT))
    case = next(c for c in CASES if c.name == args.case)
    figures = shoot(case, args.out / f"{case.name}.png", args.show)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
