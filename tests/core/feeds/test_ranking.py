"""Likely to keep: a classifier of the reader's own decisions, and why it ranks a paper high."""

from __future__ import annotations

import random

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.feeds import ranking
from desktop_app.core.feeds.ranking import Decisions, TermCache, train
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status

RETRIEVAL = [
    "retrieval",
    "dense",
    "passages",
    "query",
    "document",
    "ranking",
    "index",
    "reranking",
    "bm25",
    "sparse",
]
VISION = [
    "image",
    "images",
    "pixels",
    "convolution",
    "segmentation",
    "detection",
    "camera",
    "video",
    "object",
    "scene",
]
COMMON = [
    "we",
    "propose",
    "method",
    "results",
    "show",
    "model",
    "approach",
    "experiments",
    "data",
    "new",
]


def make(i: int, topic: list[str], rng: random.Random, **values: object) -> Paper:
    words = rng.choices(topic, k=12) + rng.choices(COMMON, k=20)
    rng.shuffle(words)
    values.setdefault("title", " ".join(rng.sample(topic, 3)).capitalize())
    values.setdefault("status", Status.NEW)
    return Paper(
        key=f"2601.{i:05d}",
        arxiv_id=f"2601.{i:05d}",
        abstract=" ".join(words),
        categories=["cs.IR" if topic is RETRIEVAL else "cs.CV"],
        **values,  # type: ignore[arg-type]
    )


def test_a_classifier_trained_on_one_topic_ranks_that_topic_first() -> None:
    rng = random.Random(3)
    kept = [(make(i, RETRIEVAL, rng, status=Status.UNREAD), 1.0) for i in range(8)]
    dismissed = [make(100 + i, VISION, rng) for i in range(8)]
    inbox = [make(200 + i, VISION if i % 2 else RETRIEVAL, rng) for i in range(20)]
    model = train(Decisions(kept, dismissed), inbox)
    assert model is not None
    order = model.rank(inbox)
    topics = ["ir" if int(r.key[-3:]) % 2 == 0 else "cv" for r in order]
    assert topics == ["ir"] * 10 + ["cv"] * 10
    assert order[0].score > 0.5 > order[-1].score
    assert all(0 < r.score < 1 for r in order)


def test_without_a_kept_and_a_dismissed_paper_there_is_no_model() -> None:
    rng = random.Random(1)
    kept = [(make(i, RETRIEVAL, rng), 1.0) for i in range(5)]
    assert train(Decisions(kept, []), []) is None
    assert train(Decisions([], [make(9, VISION, rng)]), []) is None


def test_the_explanation_names_the_kept_paper_most_like_it_and_the_words() -> None:
    rng = random.Random(2)
    dpr = make(
        1, RETRIEVAL, rng, title="Dense Passage Retrieval for Open-Domain Question Answering"
    )
    other = make(2, RETRIEVAL, rng, title="Sparse lexical index compression")
    dismissed = [make(100 + i, VISION, rng) for i in range(6)]
    model = train(Decisions([(dpr, 1.0), (other, 1.0)], dismissed), [])
    assert model is not None
    paper = Paper(
        key="2601.00300",
        title="Dense passage retrieval with hard negatives",
        abstract="We train dense retrieval of passages with hard negatives.",
        categories=["cs.IR"],
    )
    why = model.explain(paper)
    assert why.startswith("like ‘Dense Passage Retrieval for …’ that you kept; words: ")
    words = why.split("words: ")[1].split(", ")
    assert 1 <= len(words) <= 3
    assert set(words) <= {"dense", "passage", "retrieval", "passages"}  # its own words, unstemmed


def test_a_paper_like_nothing_kept_says_so() -> None:
    rng = random.Random(4)
    model = train(
        Decisions([(make(1, RETRIEVAL, rng), 1.0)], [make(2, VISION, rng)]), [], TermCache()
    )
    assert model is not None
    stranger = Paper(key="x", title="Zebrafish husbandry", abstract="Aquatic welfare.")
    assert model.explain(stranger) == "nothing in it is like what you kept"


def test_decisions_come_from_the_library_and_the_trash(library: Library) -> None:
    rng = random.Random(5)
    for i in range(4):
        paper = make(i, RETRIEVAL, rng)
        library.add(paper)
    library.set_status("2601.00000", Status.READ)
    library.set_rating("2601.00000", 5)
    library.set_status("2601.00001", Status.UNREAD)
    library.dismiss("2601.00002")
    library.add(
        Paper.from_arxiv(parse("2601.00009"), title="Dismissed long ago", status=Status.NEW)
    )
    library.dismiss("2601.00009")
    library.empty_trash()
    library.add(make(20, VISION, rng))
    library.dismiss("2601.00020")  # still in the trash, with its abstract
    found = ranking.decisions(library)
    assert sorted((p.key, w) for p, w in found.kept) == [("2601.00000", 2.5), ("2601.00001", 1.0)]
    assert sorted(p.key for p in found.dismissed) == ["2601.00002", "2601.00009", "2601.00020"]
    assert {p.key: p.title for p in found.dismissed}["2601.00009"] == "Dismissed long ago"
    assert found.count == 5
    inbox, model, count = ranking.rank_inbox(library)
    assert [p.key for p in inbox] == ["2601.00003"] and model is not None and count == 5
