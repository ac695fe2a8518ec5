"""A query's AND, OR, NOT and ranges over score maps, without an engine: which papers a
query finds and how their scores add up."""

from __future__ import annotations

import pytest

from desktop_app.core.search.evaluate import Scores, all_of, any_of, evaluate, negate, within
from desktop_app.core.search.query import And, Node, Not, Or, Range, Term, parse

UNIVERSE = ("a", "b", "c", "d")
#: Each word's papers and scores, as an engine would score them; "the" is a stop word.
WORDS: dict[str, Scores | None] = {
    "graph": {"a": 1.0, "b": 2.0},
    "neural": {"b": 0.5, "c": 4.0},
    "logic": {"d": 3.0},
    "absent": {},
    "the": None,
}
YEARS = {"a": 2019, "b": 2023, "c": None, "d": 2025}


def leaf(node: Term | Range) -> Scores | None:
    if isinstance(node, Range):
        return within(YEARS, node.low, node.high)
    return WORDS[node.text]


def run(query: str) -> Scores | None:
    tree = parse(query)
    assert tree is not None
    return evaluate(tree, leaf, UNIVERSE)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("graph", {"a": 1.0, "b": 2.0}),
        ("graph neural", {"b": 2.5}),  # both: scores summed
        ("graph AND neural", {"b": 2.5}),
        ("graph OR neural", {"a": 1.0, "b": 2.5, "c": 4.0}),  # either: scores summed
        ("graph -neural", {"a": 1.0}),
        ("graph NOT neural", {"a": 1.0}),
        ("-graph", {"c": 0.0, "d": 0.0}),  # the others, scoring nothing
        ("-graph -logic", {"c": 0.0}),
        ("(graph OR logic) -neural", {"a": 1.0, "d": 3.0}),
        ("graph absent", {}),
        ("graph OR absent", {"a": 1.0, "b": 2.0}),
        ("graph the", {"a": 1.0, "b": 2.0}),  # a stop word is left out of its AND ...
        ("graph OR the", {"a": 1.0, "b": 2.0}),  # ... and its OR
        ("year:2020..2024", {"b": 0.0}),
        ("year:..2023 graph", {"a": 1.0, "b": 2.0}),
        ("year:2020.. -logic", {"b": 0.0}),  # a paper without a year is in no range
    ],
)
def test_queries_find_the_papers_with_the_scores_they_sum(query: str, expected: Scores) -> None:
    assert run(query) == expected


def test_a_query_of_stop_words_has_nothing_to_match_on() -> None:
    assert evaluate(Term(None, "the"), leaf, UNIVERSE) is None
    assert evaluate(Not(Term(None, "the")), leaf, UNIVERSE) is None
    assert evaluate(And((Term(None, "the"), Not(Term(None, "the")))), leaf, UNIVERSE) is None
    assert evaluate(Or((Term(None, "the"),)), leaf, UNIVERSE) is None
    # An OR of words that match nothing is an empty result, not "nothing to match on".
    tree: Node = And((Term(None, "graph"), Or((Term(None, "absent"),))))
    assert evaluate(tree, leaf, UNIVERSE) == {}


def test_the_scores_of_the_leaves_are_never_changed() -> None:
    before = {k: dict(v) for k, v in WORDS.items() if v is not None}
    for query in ("graph neural", "graph OR neural", "-graph", "graph -logic OR neural"):
        run(query)
    assert {k: v for k, v in WORDS.items() if v is not None} == before


def test_the_combinations_on_their_own() -> None:
    assert negate({"a": 1.0}, UNIVERSE) == {"b": 0.0, "c": 0.0, "d": 0.0}
    assert all_of([{"a": 1.0, "b": 1.0}, {"b": 2.0}], [{"a": 0.0}], UNIVERSE) == {"b": 3.0}
    assert all_of([], [{"a": 0.0}], UNIVERSE) == {"b": 0.0, "c": 0.0, "d": 0.0}
    assert all_of([], [], UNIVERSE) is None
    assert any_of([{"a": 1.0}, {"a": 0.5, "b": 1.0}]) == {"a": 1.5, "b": 1.0}
    assert any_of([]) is None
    assert within({"a": 1, "b": 5, "c": None}, 1, 4) == {"a": 0.0}
    assert within({"a": 1, "b": 5, "c": None}, None, None) == {"a": 0.0, "b": 0.0}
