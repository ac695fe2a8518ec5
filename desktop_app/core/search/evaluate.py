"""A query's boolean algebra over score maps, engine-free.

A query (:mod:`.query`) is evaluated per paper: an engine scores each of its leaves (a word,
a phrase, a filter, a range) as a score map, paper key -> score; this module combines those
maps as the query's AND, OR and NOT say. AND keeps the papers in every map and sums their
scores, OR keeps the papers of any map and sums the scores they have, NOT keeps the papers
of the universe (every indexed paper) outside its map, at score 0. A leaf with nothing to
match on (only stop words) has no map (None) and is left out of its AND or OR.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping

from desktop_app.core.search.query import And, Node, Not, Range, Term

#: Paper key -> score.
Scores = dict[str, float]
#: An engine's scores of a leaf of the tree (None: nothing to match on). The maps it
#: returns may be shared (cached): nothing here changes them.
Leaf = Callable[[Term | Range], Scores | None]


def evaluate(node: Node, leaf: Leaf, universe: Collection[str]) -> Scores | None:
    """Scores of the papers of ``universe`` that ``node`` matches; None when it has nothing
    to match on (only stop words), so it is left out of its AND/OR."""
    if isinstance(node, Term | Range):
        return leaf(node)
    if isinstance(node, Not):
        inner = evaluate(node.item, leaf, universe)
        if inner is None:
            return None
        return negate(inner, universe)
    if isinstance(node, And):
        positive: list[Scores] = []
        negative: list[Scores] = []
        for item in node.items:
            if isinstance(item, Not):
                sub = evaluate(item.item, leaf, universe)
                if sub is not None:
                    negative.append(sub)
            else:
                sub = evaluate(item, leaf, universe)
                if sub is not None:
                    positive.append(sub)
        return all_of(positive, negative, universe)
    subs = (evaluate(item, leaf, universe) for item in node.items)
    return any_of([s for s in subs if s is not None])


def negate(inner: Mapping[str, float], universe: Collection[str]) -> Scores:
    """NOT: the papers of ``universe`` that ``inner`` does not hold, scoring 0."""
    return {k: 0.0 for k in universe if k not in inner}


def all_of(
    positive: list[Scores], negative: list[Scores], universe: Collection[str]
) -> Scores | None:
    """AND: the papers in every ``positive`` map (all of ``universe`` when there is none)
    and in no ``negative`` one, with their positive scores summed; None when both lists are
    empty. Sorts ``positive`` (the smallest map is walked)."""
    if not positive and not negative:
        return None
    positive.sort(key=len)
    result = dict(positive[0]) if positive else dict.fromkeys(universe, 0.0)
    for other in positive[1:]:
        result = {k: v + other[k] for k, v in result.items() if k in other}
    for other in negative:
        if len(other) < len(result):  # (NOT tag:survey: a few papers out of most)
            for k in other:  # (result is a copy: the maps may be shared)
                result.pop(k, None)
        else:
            result = {k: v for k, v in result.items() if k not in other}
    return result


def any_of(subs: list[Scores]) -> Scores | None:
    """OR: the papers in any of ``subs``, with their scores summed; None when there is no map."""
    if not subs:
        return None
    union: Scores = {}
    for sub in subs:
        for k, v in sub.items():
            union[k] = union.get(k, 0.0) + v
    return union


def within(values: Mapping[str, int | None], low: int | None, high: int | None) -> Scores:
    """A range: the papers whose value is from ``low`` to ``high`` (either end open when
    None), scoring 0; a paper without a value is never in a range."""
    lowest = low if low is not None else -math.inf
    highest = high if high is not None else math.inf
    return {k: 0.0 for k, v in values.items() if v is not None and lowest <= v <= highest}
