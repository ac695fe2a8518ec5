"""Ranking the Inbox by what the reader keeps: TF-IDF and a linear classifier, on this machine.

The reader's own decisions are the training set: papers kept (every paper of the library that
left the Inbox or never was in it: unread, reading, read) are positives, counted more when
read, rated or tagged; papers dismissed are negatives (those in the trash with their text, and
the records a dismissal leaves after the trash is emptied, with their title). A paper becomes
a sparse TF-IDF vector over the index's own terms (:func:`~desktop_app.core.search.terms.
stemmed_terms`: stop words dropped, English stems) of its title (counted twice), abstract and
categories (``cat:cs.ir``); a logistic regression, L2-regularised and class-balanced, is fit
by a few passes of stochastic gradient descent. That is arxiv-sanity's approach (TF-IDF and a
linear SVM) without its dependencies: pure Python over sparse dicts is fast enough here
(tests/bench/test_bench_ranking.py: a 10,000-paper library trains in well under a second
once its papers' terms are cached), where scikit-learn and numpy would add ~60 MB to the
installed app for no better order. No network, no downloaded model.

Each ranked paper says why (:meth:`Model.explain`): the kept paper most like it, and the words
that weigh most for it (``like 'Dense Passage Retrieval …' that you kept; words: retrieval,
dense, passages``).

Below :data:`MIN_DECISIONS` decisions the Inbox stays in arrival order (the GUI's default
sort switches to "Likely to keep" once there are enough).
"""

from __future__ import annotations

import heapq
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desktop_app.core.library import DISMISSED_DIR, Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.search.terms import WORD, fold, stem_term, stemmed_terms

#: Kept or dismissed papers needed before the Inbox is ranked by default.
MIN_DECISIONS = 10
#: Passes of stochastic gradient descent (fewer for a big training set: see ``_epochs``).
EPOCHS = 12
#: Feature updates a training may make in all (bounds the time for 10,000 papers).
WORK_BUDGET = 1_500_000
L2 = 1e-4
#: The weight of a paper waiting in the Inbox as a negative (a dismissed one weighs 1).
BACKGROUND = 0.2
LEARNING_RATE = 1.0
#: Decisions of each kind learned from at most (the newest): bounds the time a training takes
#: in a big library, and recent decisions say most about today's interests.
MAX_EACH = 2000
#: Terms of a paper compared with the kept papers to find the one most like it.
LIKENESS_TERMS = 12
#: Words shown in a paper's explanation.
WHY_WORDS = 3

Vector = dict[str, float]


@dataclass(frozen=True)
class Decisions:
    """The reader's decisions: papers kept (with a weight) and papers dismissed."""

    kept: list[tuple[Paper, float]]
    dismissed: list[Paper]

    @property
    def count(self) -> int:
        return len(self.kept) + len(self.dismissed)


def keep_weight(paper: Paper) -> float:
    """How strongly a kept paper says "more like this": read, rated, tagged ones more."""
    weight = 1.0
    if paper.status is Status.READ:
        weight += 0.5
    if paper.rating:
        weight += paper.rating / 5
    if paper.tags:
        weight += 0.5
    return weight


def decisions(library: Library, papers: Iterable[Paper] | None = None) -> Decisions:
    """The decisions recorded in the library (``papers``: its papers, if read already)."""
    kept = [(p, keep_weight(p)) for p in (papers or library.papers()) if p.status is not Status.NEW]
    dismissed = [p for p in library.trash() if p.extra.get("dismissed")]
    seen = {p.key for p in dismissed}
    dismissed += [r for r in _dismissal_records(library) if r.key not in seen]
    return Decisions(kept, dismissed)


def _dismissal_records(library: Library) -> list[Paper]:
    """The papers dismissed before the trash was emptied: their title is all that is left."""
    records = []
    for path in sorted((library.trash_dir / DISMISSED_DIR).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("title"), str) and data["title"]:
            when = {"dismissed": str(data.get("dismissed", ""))}
            records.append(Paper(key=path.stem, title=data["title"], extra=when))
    return records


# -- features -----------------------------------------------------------------------------


class TermCache:
    """Each paper's term counts, kept between trainings (re-read when its text changed).

    Cutting 10,000 abstracts into stems is most of the work; a window retraining after each
    triage keeps one cache for its life.
    """

    def __init__(self) -> None:
        self._counts: dict[str, tuple[tuple[str, str, tuple[str, ...]], Counter[str]]] = {}

    def counts(self, paper: Paper) -> Counter[str]:
        sign = (paper.title, paper.abstract, tuple(paper.categories))
        hit = self._counts.get(paper.key)
        if hit is not None and hit[0] == sign:
            return hit[1]
        counts = Counter(stemmed_terms(paper.title))
        for term in list(counts):
            counts[term] *= 2  # a title word says more than an abstract word
        counts.update(stemmed_terms(paper.abstract))
        counts.update(f"cat:{c.lower()}" for c in paper.categories)
        self._counts[paper.key] = (sign, counts)
        return counts


def _idf(docs: Iterable[Counter[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    n = 0
    for counts in docs:
        df.update(counts.keys())
        n += 1
    return {t: math.log((n + 1) / (d + 1)) + 1.0 for t, d in df.items()}


_TF = [0.0] + [1.0 + math.log(c) for c in range(1, 64)]


def _vector(counts: Counter[str], idf: dict[str, float], default_idf: float) -> Vector:
    """The paper's TF-IDF vector (sublinear term frequency), of length 1."""
    get = idf.get
    vec = {
        t: (_TF[c] if c < 64 else 1.0 + math.log(c)) * get(t, default_idf)
        for t, c in counts.items()
    }
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


# -- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """A paper's place in the ranking: its probability of being kept and why."""

    key: str
    score: float


class Model:
    """A trained classifier: scores papers and explains the scores."""

    def __init__(
        self,
        weights: dict[str, float],
        bias: float,
        idf: dict[str, float],
        kept: list[tuple[Paper, Vector]],
        cache: TermCache,
        decisions: int,
    ) -> None:
        self.weights = weights
        self.bias = bias
        self.idf = idf
        self.default_idf = max(idf.values(), default=1.0)
        self.kept = kept
        self.cache = cache
        self.decisions = decisions
        self._holding_index: dict[str, list[int]] | None = None

    @property
    def _holding(self) -> dict[str, list[int]]:
        """Which kept papers hold a term: finds the one most like a paper without a full
        scan (built when a first paper is explained)."""
        if self._holding_index is None:
            holding: dict[str, list[int]] = defaultdict(list)
            for i, (_, vec) in enumerate(self.kept):
                for term in vec:
                    holding[term].append(i)
            self._holding_index = holding
        return self._holding_index

    def vector(self, paper: Paper) -> Vector:
        return _vector(self.cache.counts(paper), self.idf, self.default_idf)

    def score(self, paper: Paper) -> float:
        """The probability that the reader keeps ``paper`` (0 to 1)."""
        vec = self.vector(paper)
        z = self.bias + sum(self.weights.get(t, 0.0) * v for t, v in vec.items())
        return _sigmoid(z)

    def rank(self, papers: Sequence[Paper]) -> list[Ranked]:
        """The papers, most likely to be kept first (ties in the order given)."""
        scored = [Ranked(p.key, self.score(p)) for p in papers]
        order = sorted(range(len(scored)), key=lambda i: -scored[i].score)
        return [scored[i] for i in order]

    def reasons(self, paper: Paper) -> tuple[Paper | None, list[str]]:
        """The kept paper most like ``paper``, and the words that weigh most for it."""
        vec = self.vector(paper)
        pulls = {
            t: self.weights.get(t, 0.0) * v for t, v in vec.items() if not t.startswith("cat:")
        }
        top = [
            t for t, w in heapq.nlargest(WHY_WORDS, pulls.items(), key=lambda kv: kv[1]) if w > 0
        ]
        likeness: dict[int, float] = defaultdict(float)
        telling = heapq.nlargest(LIKENESS_TERMS, vec.items(), key=lambda kv: kv[1])
        for term, value in telling:
            for i in self._holding.get(term, ()):
                likeness[i] += value * self.kept[i][1][term]
        like = None
        if likeness:
            best = max(likeness, key=lambda i: (likeness[i], -i))
            if likeness[best] > 0 and self.kept[best][0].key != paper.key:
                like = self.kept[best][0]
        return like, [_surface(paper, t) for t in top]

    def explain(self, paper: Paper) -> str:
        """One line: ``like 'Dense Passage Retrieval …' that you kept; words: retrieval, dense``."""
        like, words = self.reasons(paper)
        parts = []
        if like is not None:
            parts.append(f"like ‘{_short(like.title or like.display_id)}’ that you kept")
        if words:
            parts.append("words: " + ", ".join(words))
        return "; ".join(parts) or "nothing in it is like what you kept"


def train(found: Decisions, inbox: Sequence[Paper], cache: TermCache | None = None) -> Model | None:
    """A model of the reader's decisions; None without a kept and a dismissed paper.

    ``inbox`` (the papers to rank) joins the IDF statistics, so a word common in today's
    papers weighs little.
    """
    if not found.kept or not found.dismissed:
        return None
    cache = cache or TermCache()
    newest_kept = sorted(found.kept, key=lambda pw: pw[0].status_changed or pw[0].added)
    newest_dismissed = sorted(found.dismissed, key=lambda p: str(p.extra.get("dismissed", "")))
    kept_counts = [(p, w, cache.counts(p)) for p, w in newest_kept[-MAX_EACH:]]
    dismissed_counts = [cache.counts(p) for p in newest_dismissed[-MAX_EACH:]]
    idf = _idf([c for _, _, c in kept_counts] + dismissed_counts + [cache.counts(p) for p in inbox])
    default_idf = max(idf.values(), default=1.0)
    kept_vecs = [(p, _vector(c, idf, default_idf)) for p, _, c in kept_counts]
    # The papers waiting in the Inbox count as weak negatives (most of a day's papers are
    # not kept: arxiv-sanity takes every paper not tagged as a negative).
    keys = {p.key for p, _, _ in kept_counts}
    background = [cache.counts(p) for p in inbox[-MAX_EACH:] if p.key not in keys]
    negatives = [(c, 1.0) for c in dismissed_counts] + [(c, BACKGROUND) for c in background]
    # Balanced classes: the kept papers weigh as much in all as the negatives.
    total_kept = sum(w for _, w, _ in kept_counts)
    balance = sum(w for _, w in negatives) / total_kept
    examples: list[tuple[Vector, float, float]] = [
        (vec, 1.0, w * balance) for (_, vec), (_, w, _) in zip(kept_vecs, kept_counts, strict=True)
    ]
    examples += [(_vector(c, idf, default_idf), 0.0, w) for c, w in negatives]
    weights, bias = _fit(examples)
    return Model(weights, bias, idf, kept_vecs, cache, found.count)


def _epochs(examples: Sequence[tuple[Vector, float, float]]) -> int:
    work = sum(len(v) for v, _, _ in examples) or 1
    return max(1, min(EPOCHS, WORK_BUDGET // work))


def _fit(examples: list[tuple[Vector, float, float]]) -> tuple[dict[str, float], float]:
    """Logistic regression by SGD; the L2 shrinking is kept in one scale factor, so each step
    touches only the paper's own terms."""
    weights: dict[str, float] = {}
    get = weights.get
    bias = 0.0
    scale = 1.0
    rows = [(list(vec.items()), label, weight) for vec, label, weight in examples]
    order = list(range(len(rows)))
    rng = random.Random(0)  # the same decisions always give the same order
    step = 0
    for _ in range(_epochs(examples)):
        rng.shuffle(order)
        for i in order:
            items, label, weight = rows[i]
            eta = LEARNING_RATE / (1.0 + LEARNING_RATE * L2 * step)
            step += 1
            z = bias + scale * sum([get(t, 0.0) * v for t, v in items])
            grad = (_sigmoid(z) - label) * weight
            scale *= 1.0 - eta * L2
            if scale < 1e-9:  # fold the scale into the weights before it underflows
                for t in weights:
                    weights[t] *= scale
                scale = 1.0
            move = eta * grad / scale
            for t, v in items:
                weights[t] = get(t, 0.0) - move * v
            bias -= eta * grad
    return {t: w * scale for t, w in weights.items() if w}, bias


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _surface(paper: Paper, term: str) -> str:
    """The word of the paper's own text that a stem stands for (``retriev`` -> retrieval)."""
    for word in WORD.findall(f"{paper.title} {paper.abstract}"):
        if stem_term(word) == term:
            return fold(word)
    return term


def _short(title: str, words: int = 4) -> str:
    parts = " ".join(title.split()).split(" ")
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


# -- for the command line and the window ----------------------------------------------------


def rank_inbox(
    library: Library, cache: TermCache | None = None
) -> tuple[list[Paper], Model | None, int]:
    """The Inbox, most likely to be kept first (arrival order without a model), the model,
    and the number of decisions it learned from."""
    papers = library.papers()
    inbox = sorted((p for p in papers if p.status is Status.NEW), key=lambda p: (p.added, p.key))
    found = decisions(library, papers)
    model = train(found, inbox, cache)
    if model is None:
        return inbox, None, found.count
    by_key = {p.key: p for p in inbox}
    return [by_key[r.key] for r in model.rank(inbox)], model, found.count
