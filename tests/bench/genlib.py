"""A generated library for the benchmarks: realistic-looking papers, no downloads.

Titles, ~6 authors, ~200-word abstracts and ~6,000 words of full text per paper, drawn
from a Zipf-distributed vocabulary (a few hundred real research words over tens of
thousands of made-up ones), so posting lists are as long and as skewed as in real papers.
The PDF of each paper is a tiny generated one; its "extracted" text is written straight
into the text cache under the PDF's hash, as if pypdfium2 had read it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from pathlib import Path

from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.pdf.text import PdfText, store_cached
from desktop_app.core.storage import atomic_write_json
from tests.helpers.pdfgen import make_pdf


def _words(text: str) -> list[str]:
    return text.split()


REAL_WORDS = _words(
    """retrieval dense sparse neural network learning model models language large
    transformer attention graph embedding embeddings query queries document documents ranking
    reranking passage passages index indexing search evaluation benchmark dataset datasets
    training fine-tuning pretraining contrastive supervised unsupervised generation generative
    augmented knowledge question answering summarization classification recommendation user
    users click feedback relevance precision recall metric metrics latency efficient efficiency
    scalable distillation quantization compression token tokens vocabulary multilingual
    cross-lingual semantic lexical hybrid fusion encoder decoder bi-encoder cross-encoder late
    interaction colbert bm25 splade vector vectors approximate nearest neighbor hnsw clustering
    cluster optimization gradient loss objective negative sampling hard negatives batch memory
    inference scientific papers citation citations arxiv survey analysis experiments results
    baseline baselines improvement state art performance accuracy robustness bias fairness
    privacy conversational dialogue agent agents reasoning chain thought prompting prompt
    instructions tuning alignment reinforcement reward human preference preferences table
    tables image images multimodal vision video audio speech code program synthesis math
    theorem proof proofs"""
)
STOP = _words("the of and to in a is that for on with as we by this are be from an at which our")
SYLLABLES = _words("ka lo mi ne ra tu si po fe de bo gu li na re ta vo xe zu an el in or us")
FIRST = _words("Ana Bo Chen Dmitri Eva Fatima Giulia Hiro Ines Jonas Kira Luis Mei Nora Omar Priya")
LAST = _words("Gómez Li Wang Müller Rossi Tanaka Smith Kowalski Haddad Silva Ivanova Kim Novak")
TAGS = ["rag", "rag/eval", "ir", "llm", "to-read", "survey", "graphs", "efficiency", "ml/theory"]
CATS = ["cs.IR", "cs.CL", "cs.LG", "cs.AI", "stat.ML", "cs.CV"]


class Vocabulary:
    """Words with Zipf weights: stop words first, then real words, then made-up ones."""

    def __init__(self, rng: random.Random, size: int = 40_000) -> None:
        made_up: list[str] = []
        seen = set(REAL_WORDS) | set(STOP)
        while len(made_up) < size:
            word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
            if word not in seen:
                seen.add(word)
                made_up.append(word)
        self.words = STOP + REAL_WORDS + made_up
        weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(self.words))]
        self.cum = list(itertools.accumulate(weights))
        self.rng = rng

    def sample(self, n: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum, k=n)


def paragraph(vocab: Vocabulary, n: int) -> str:
    words = vocab.sample(n)
    out: list[str] = []
    for i in range(0, n, 18):
        sentence = words[i : i + 18]
        sentence[0] = sentence[0].capitalize()
        out.append(" ".join(sentence) + ".")
    return " ".join(out)


def make_paper(i: int, rng: random.Random, vocab: Vocabulary) -> tuple[Paper, list[str]]:
    aid = f"{24 + i // 90000:02d}{1 + (i // 7500) % 12:02d}.{i % 100000:05d}"
    title_words = rng.sample(REAL_WORDS, rng.randint(4, 9))
    title = " ".join(title_words).capitalize()
    authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(3, 9))]
    added = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=37 * i)
    paper = Paper(
        key=aid,
        arxiv_id=aid,
        arxiv_version=1,
        title=title,
        authors=authors,
        abstract=paragraph(vocab, rng.randint(170, 230)),
        categories=rng.sample(CATS, rng.randint(1, 3)),
        published=f"{rng.randint(2015, 2025)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        added=added.isoformat().replace("+00:00", "Z"),
        status=rng.choice(list(Status)),
        tags=rng.sample(TAGS, rng.randint(0, 3)),
        rating=rng.choice([0, 0, 0, 3, 4, 5]),
        pdf_file=f"{aid}v1.pdf",
    )
    words = rng.randint(5500, 6500)
    per_page = 500
    pages = [paragraph(vocab, min(per_page, words - p)) for p in range(0, words, per_page)]
    return paper, pages


def generate(root: Path, n: int, seed: int = 7) -> Library:
    """A library of ``n`` papers at ``root`` with their texts in the text cache."""
    rng = random.Random(seed)
    vocab = Vocabulary(rng)
    library = Library.open(root)
    for i in range(n):
        paper, pages = make_paper(i, rng, vocab)
        folder = library.paper_dir(paper.key)
        folder.mkdir(parents=True, exist_ok=True)
        pdf = make_pdf([paper.title], title=paper.title)
        assert paper.pdf_file
        (folder / paper.pdf_file).write_bytes(pdf)
        paper.pdf_state = paper.pdf_state.DONE
        atomic_write_json(folder / "paper.json", paper.to_dict())
        sha = hashlib.sha256(pdf).hexdigest()
        store_cached(PdfText(sha256=sha, pages=tuple(pages), source=paper.pdf_file))
        if i % 5 == 0:
            (folder / "notes.md").write_text(paragraph(vocab, 60) + "\n", encoding="utf-8")
    return library


def generate_records(root: Path, n: int, seed: int = 7) -> Library:
    """A library of ``n`` papers' records only: no PDFs, texts or notes.

    Numbered from 1 (2401.00000 would not be an arXiv ID), so the keys sort in that order.
    """
    rng = random.Random(seed)
    vocab = Vocabulary(rng)
    library = Library.open(root)
    for i in range(1, n + 1):
        paper, _pages = make_paper(i, rng, vocab)
        paper.pdf_file = None
        paper.pdf_state = paper.pdf_state.NONE
        atomic_write_json(library.paper_dir(paper.key) / "paper.json", paper.to_dict())
    return library
