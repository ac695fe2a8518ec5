"""Papers for search index tests, added the way the app adds them, and full-text indexes
written straight through the codec (ours or Whoosh's own)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from whoosh.writing import SegmentWriter

from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.search.whoosh import codec, store
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.pdfgen import write_pdf

NOW = dt.datetime.now(dt.UTC)


def iso(days_ago: int) -> str:
    when = NOW - dt.timedelta(days=days_ago)
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def add_paper(
    library: Library, key: str, *, pages: list[str] | None = None, **values: object
) -> Paper:
    """Add a paper (with a generated PDF holding ``pages``) the way the app does."""
    values.setdefault("arxiv_id", key if key[0].isdigit() else None)
    paper = Paper(key=key, **values)  # type: ignore[arg-type]
    library.add(paper)
    if pages is not None:
        name = f"{key}v1.pdf"
        write_pdf(library.paper_dir(key) / name, pages)

        def attach(p: Paper) -> None:
            p.pdf_file = name
            p.pdf_state = FetchState.DONE

        paper = library.update(key, attach)
    return paper


def add_extras(library: Library, n: int) -> None:
    """Papers 2402.00000... with a PDF of two pages: "wavelet number<i>", "end"."""
    for i in range(n):
        add_paper(library, f"2402.0000{i}", title=f"Extra {i}", pages=[f"wavelet number{i}", "end"])


def fill(library: Library) -> Library:
    """Three papers: one with a PDF, one with notes, tags, rating and status."""
    add_paper(
        library,
        "2504.00001",
        title="Dense Retrieval for Open-Domain Question Answering",
        authors=["Ana Gómez", "Bob Li"],
        abstract="We study retrieving passages with dense encoders and hard negatives.",
        tags=["rag/eval", "to read"],
        categories=["cs.IR", "cs.CL"],
        published="2025-04-01",
        added=iso(1),
        status=Status.READING,
        rating=4,
    )
    add_paper(
        library,
        "2301.00002",
        title="Graph Neural Networks at Scale",
        authors=["Carl Zed"],
        abstract="Message passing on large graphs.",
        categories=["cs.LG"],
        published="2023-01-15",
        added=iso(40),
        pages=[
            "Graph neural networks introduction",
            "Related work on message passing",
            "We compare with sparse retrieval baselines such as BM25 on citation graphs.",
        ],
    )
    add_paper(
        library,
        "1907.00003",
        title="Kurt Gödel and the Limits of Formal Systems",
        authors=["Dana Roe"],
        abstract="An essay on incompleteness and retrievability of proofs.",
        tags=["logic"],
        categories=["math.LO"],
        published="2019-07-02",
        added=iso(400),
        status=Status.READ,
    )
    library.write_notes("2504.00001", "Strong baseline; compare with ColBERT late interaction.")
    return library


def keys(ix: WhooshIndex, query: str, **kw: object) -> list[str]:
    """The keys of the papers ``query`` finds, in order."""
    return [h.key for h in ix.search(query, **kw).hits]  # type: ignore[arg-type]


# -- full-text indexes written straight through the codec ------------------------------------

WORDS = ["neural", "network", "graph", "dense", "retrieval", "model", "hard", "negative", "of"]


def random_texts(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` (key, text) pairs of up to 400 of WORDS, the same for the same ``seed``."""
    rng = random.Random(seed)
    return [
        (f"k{i}", " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 400)))) for i in range(n)
    ]


def build_fulltext(folder: Path, texts: list[tuple[str, str]], ours: bool, batches: int = 3) -> Any:
    """A full-text index of ``texts`` in ``batches`` segments, written with our codec or
    Whoosh's own; the first batch's documents are then updated once more (so the oldest
    segment holds deleted documents)."""
    folder.mkdir()
    ix = store.Storage(str(folder)).create_index(store.fulltext_schema(), indexname="fulltext")
    size = len(texts) // batches + 1
    for start in range(0, len(texts), size):
        writer = codec.writer(ix) if ours else SegmentWriter(ix)
        for key, text in texts[start : start + size]:
            writer.add_document(key=key, fulltext=text)
        writer.commit(merge=False)
    writer = codec.writer(ix) if ours else SegmentWriter(ix)
    for key, text in texts[:20]:
        writer.update_document(key=key, fulltext=text + " neural network")
    writer.commit(merge=False)
    return ix
