"""Benchmark: does "Likely to keep" learn what a reader keeps, and how fast does it train?

A simulated reader follows a stream of 2,000 generated papers on 10 topics (the words and
names of the index benchmark's generator, tests/bench/genlib.py), 100 arriving a day. Each
day they triage the first 10 papers of their Inbox in the order the app shows (arrival order
until the model can be trained, then "Likely to keep"), keeping the papers of their 2 topics
and dismissing the rest. After 20, 50 and 100 decisions, the precision at 10 of the next
morning's Inbox is measured in the model's order and in arrival order (the reader's topics
are 2 of 10, so arrival order gives about 0.2). A second reader triages in arrival order all
along, for comparison. The figures are the mean over 5 streams.

Speed: training on 10,000 decisions (5,000 kept, 5,000 dismissed) and ranking a
1,000-paper Inbox, with the papers' terms cut afresh and from the cache a window keeps;
measured against reading the same 10,000 paper.json objects (JSON to Paper), in this process.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable

from desktop_app.core.feeds.ranking import MIN_DECISIONS, Decisions, TermCache, train
from desktop_app.core.paper import Paper, Status
from tests.bench.genlib import CATS, FIRST, LAST, REAL_WORDS, Vocabulary, paragraph
from tests.bench.results import write_section

TOPICS = 10
LIKED = {0, 1}
PER_DAY = 100
TRIAGE_PER_DAY = 10
CHECKPOINTS = (20, 50, 100)


class Stream:
    """Generated papers on topics: each topic has its own words, mixed into generic text."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocab = Vocabulary(self.rng, size=20_000)
        words = list(REAL_WORDS)
        self.rng.shuffle(words)
        size = len(words) // TOPICS
        self.topic_words = [words[i * size : (i + 1) * size] for i in range(TOPICS)]
        self.topic_cats = [CATS[i % len(CATS)] for i in range(TOPICS)]
        self.topic_of = {w: t for t, ws in enumerate(self.topic_words) for w in ws}
        self.made_up = [w for w in self.vocab.words[-5000:]]

    def paper(self, i: int, topic: int) -> Paper:
        rng = self.rng
        own = self.topic_words[topic]
        other = self.topic_words[rng.randrange(TOPICS)]
        # Titles: 2-3 words of the topic among 2-4 of anything; abstracts: generic text with
        # 5 % more of the topic's words and 5 % of another topic's; the topic's category 2
        # times in 3 (so no single word or category gives a paper's topic away).
        title = rng.sample(own, rng.randint(2, 3)) + rng.sample(REAL_WORDS, rng.randint(2, 4))
        rng.shuffle(title)
        text = paragraph(self.vocab, rng.randint(150, 220)).split()
        for j, word in enumerate(text):
            roll = rng.random()
            if roll < 0.05:
                text[j] = rng.choice(own)
            elif roll < 0.10:
                text[j] = rng.choice(other)
            elif self.topic_of.get(word.lower().strip("."), topic) != topic and roll < 0.80:
                # The generator's text uses every research word everywhere; a topic's words
                # show up in other topics' papers at 30 % of their rate.
                text[j] = rng.choice(self.made_up)
        main = self.topic_cats[topic] if rng.random() < 2 / 3 else rng.choice(CATS)
        cats = [main, *rng.sample(CATS, rng.randint(0, 2))]
        key = f"2601.{i:05d}"
        return Paper(
            key=key,
            arxiv_id=key,
            title=" ".join(title).capitalize(),
            authors=[f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(3)],
            abstract=" ".join(text),
            categories=list(dict.fromkeys(cats)),
            added=f"2026-01-01T00:00:{i:05d}Z",
            status=Status.NEW,
            extra={"topic": topic},
        )

    def papers(self, n: int) -> list[Paper]:
        return [self.paper(i, self.rng.randrange(TOPICS)) for i in range(n)]


def liked(paper: Paper) -> bool:
    return paper.extra["topic"] in LIKED


def precision(order: list[Paper], k: int = 10) -> float:
    return sum(liked(p) for p in order[:k]) / k


def simulate(seed: int, *, ranked: bool, n: int = 2000) -> dict[int, float]:
    """{decisions: precision@10 of the Inbox's order} for one stream, for a reader who
    triages in the model's order (``ranked``) or in arrival order."""
    stream = Stream(seed).papers(n)
    inbox: list[Paper] = []
    kept: list[tuple[Paper, float]] = []
    dismissed: list[Paper] = []
    cache = TermCache()
    found: dict[int, float] = {}

    def order() -> list[Paper]:
        decided = Decisions(kept, dismissed)
        enough = ranked and decided.count >= MIN_DECISIONS
        model = train(decided, inbox, cache) if enough else None
        if model is None:
            return list(inbox)
        by_key = {p.key: p for p in inbox}
        return [by_key[r.key] for r in model.rank(inbox)]

    for day in range(n // PER_DAY):
        inbox += stream[day * PER_DAY : (day + 1) * PER_DAY]
        decisions = len(kept) + len(dismissed)
        if decisions in CHECKPOINTS:  # the morning after: yesterday's model, today's Inbox
            found[decisions] = precision(order())
        for paper in order()[:TRIAGE_PER_DAY]:
            inbox.remove(paper)
            if liked(paper):
                kept.append((paper.__class__(**{**paper.__dict__, "status": Status.UNREAD}), 1.0))
            else:
                dismissed.append(paper)
        if len(found) == len(CHECKPOINTS):
            break
    return found


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def test_ranking_learns_what_the_reader_keeps() -> None:
    load = os.getloadavg()[0]
    seeds = range(1, 6)
    runs = [simulate(seed, ranked=True) for seed in seeds]
    arrivals = [simulate(seed, ranked=False) for seed in seeds]
    rows = []
    model_at: dict[int, float] = {}
    for k in CHECKPOINTS:
        model = statistics.mean(r[k] for r in runs)
        arrival = statistics.mean(r[k] for r in arrivals)
        model_at[k] = model
        rows.append(f"| {k} | {model:.2f} | {arrival:.2f} |")

    # Speed: 10,000 decisions and a 1,000-paper Inbox.
    stream = Stream(99)
    papers = stream.papers(11_000)
    kept = [(p, 1.0) for p in papers[:5000]]
    dismissed = papers[5000:10_000]
    inbox = papers[10_000:]
    decided = Decisions(kept, dismissed)
    cache = TermCache()
    cold = best_of(1, lambda: train(decided, inbox, cache))
    warm = best_of(3, lambda: train(decided, inbox, cache))
    model = train(decided, inbox, cache)
    assert model is not None
    rank = best_of(3, lambda: model.rank(inbox))
    explain = best_of(3, lambda: [model.explain(p) for p in inbox[:50]])
    texts = [json.dumps(p.to_dict()) for p in papers[:10_000]]
    reference = best_of(3, lambda: [Paper.from_dict(json.loads(t)) for t in texts])

    write_section(
        "Ranking the Inbox (Likely to keep)",
        [
            "Command: `make bench BENCH_ARGS=tests/bench/test_bench_ranking.py`. Machine: "
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}. "
            "A simulated reader keeps the papers of 2 topics out of 10 on a generated stream "
            "of 2,000 papers (100 a day), triaging the first 10 of the Inbox each day in the "
            "order shown (or, for comparison, always in arrival order); precision at 10 of the "
            "next morning's Inbox, mean of 5 streams. "
            "Pure Python (TF-IDF over the index's stems, logistic regression by SGD); no "
            f"numpy or scikit-learn. One run; load average {load:.1f} at the start (the "
            "machine is shared). Training learns from the newest 2,000 kept and 2,000 "
            "dismissed papers (`ranking.MAX_EACH`) and the Inbox.",
            "",
            "| decisions | precision@10, Likely to keep | precision@10, arrival order |",
            "|---|---|---|",
            *rows,
            "",
            "| what (10,000 decisions, 1,000 papers in the Inbox) | time | × reading 10,000 "
            "paper.json objects |",
            "|---|---|---|",
            f"| train, terms cut afresh | {cold * 1000:.0f} ms | {cold / reference:.1f} |",
            f"| train again (terms cached, as the window retrains) | {warm * 1000:.0f} ms | "
            f"{warm / reference:.1f} |",
            f"| rank the 1,000-paper Inbox | {rank * 1000:.0f} ms | {rank / reference:.1f} |",
            f"| explain 50 papers | {explain * 1000:.0f} ms | {explain / reference:.1f} |",
            f"| (reference) 10,000 paper.json objects to Paper | {reference * 1000:.0f} ms | 1 |",
        ],
    )
    assert model_at[50] >= 0.8, model_at
