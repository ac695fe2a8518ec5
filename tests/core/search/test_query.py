"""The query language: every form parses into what it means; mistakes get clear messages."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_app.core.errors import QueryError
from desktop_app.core.search.query import And, Not, Or, Range, Term, parse, words

NOW = dt.datetime(2025, 4, 10, 12, 0, tzinfo=dt.UTC)


def p(query: str) -> object:
    return parse(query, NOW)


def test_empty_query_means_everything() -> None:
    assert p("") is None
    assert p("   ") is None


def test_words_are_anded() -> None:
    assert p("dense retrieval") == And((Term(None, "dense"), Term(None, "retrieval")))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:transformer", Term("title", "transformer")),
        ("Title:transformer", Term("title", "transformer")),
        ("author:gómez", Term("author", "gómez")),
        ("abstract:graphs", Term("abstract", "graphs")),
        ("tag:rag/eval", Term("tag", "rag/eval")),
        ('tag:"to read"', Term("tag", "to read", "phrase")),
        ("cat:cs.IR", Term("cat", "cs.IR")),
        ("note:idea", Term("note", "idea")),
        ("notes:idea", Term("note", "idea")),
        ("fulltext:baseline", Term("fulltext", "baseline")),
        ("arXiv:2504.01234", Term("id", "2504.01234")),
        ("status:Reading", Term("status", "reading")),
        ("has:notes", Term("has", "notes")),
        ("has:PDF", Term("has", "pdf")),
        ("pdf:failed", Term("pdf", "failed")),
        ("year:2025", Range("year", 2025, 2025)),
        ("year:2020..2025", Range("year", 2020, 2025)),
        ("year:..2019", Range("year", None, 2019)),
        ("year:2021..", Range("year", 2021, None)),
        ("rating:3..5", Range("rating", 3, 5)),
        ('"dense retrieval"', Term(None, "dense retrieval", "phrase")),
        ('"dense retrieval"~3', Term(None, "dense retrieval", "phrase", 3)),
        ('title:"dense retrieval"', Term("title", "dense retrieval", "phrase")),
        ("retriev*", Term(None, "retriev", "prefix")),
        ("te?t", Term(None, "te?t", "wildcard")),
        ("retreival~", Term(None, "retreival", "fuzzy", 2)),
        ("graf~", Term(None, "graf", "fuzzy", 1)),
        ("retreival~1", Term(None, "retreival", "fuzzy", 1)),
    ],
)
def test_each_form(query: str, expected: object) -> None:
    assert p(query) == expected


def test_added_counts_back_from_now() -> None:
    since = int((NOW - dt.timedelta(days=7)).timestamp())
    assert p("added:7d") == Range("added", since, None)
    assert p("added:1y") == Range("added", int((NOW - dt.timedelta(days=365)).timestamp()), None)
    assert p("added:2w") == Range("added", int((NOW - dt.timedelta(days=14)).timestamp()), None)


def test_boolean_operators_and_precedence() -> None:
    a, b, c = Term(None, "a1"), Term(None, "b1"), Term(None, "c1")
    assert p("a1 OR b1 c1") == Or((a, And((b, c))))
    assert p("a1 AND b1 OR c1") == Or((And((a, b)), c))
    assert p("(a1 OR b1) c1") == And((Or((a, b)), c))
    assert p("a1 -b1") == And((a, Not(b)))
    assert p("a1 NOT b1") == And((a, Not(b)))
    assert p("-(a1 OR b1)") == Not(Or((a, b)))
    assert p('-"a1 b1"') == Not(Term(None, "a1 b1", "phrase"))
    assert p("-tag:read") == Not(Term("tag", "read"))


def test_field_applies_to_a_group() -> None:
    assert p("title:(graph OR tree)") == Or((Term("title", "graph"), Term("title", "tree")))
    assert p("status:(read OR reading)") == Or((Term("status", "read"), Term("status", "reading")))


def test_lowercase_operators_are_words() -> None:
    assert p("cats and dogs") == And((Term(None, "cats"), Term(None, "and"), Term(None, "dogs")))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"dense retrieval', "unclosed quote"),
        ("(dense retrieval", "unclosed '('"),
        ("dense)", "unmatched ')'"),
        ("()", "empty parentheses"),
        ("dense AND", "'AND' at the end"),
        ("dense OR", "'OR' at the end"),
        ("OR dense", "needs a term before it"),
        ("NOT", "'NOT'"),
        ("titel:dense", "unknown field 'titel:'"),
        ("title:", "nothing after 'title:'"),
        ("year:20x5", "is not a year"),
        ("year:2025..2020", "runs backwards"),
        ("year:..", "is not a year"),
        ("rating:high", "is not a rating"),
        ("status:done", "unknown status"),
        ("has:cake", "has:notes"),
        ("pdf:maybe", "pdf:none"),
        ("added:yesterday", "added:7d"),
        ("*", "a wildcard needs letters"),
        ("dense~9", "1 to 2 edits"),
        ("~", "follows a word"),
        ('""', "empty phrase"),
        ('"a b"~x', "needs a number"),
    ],
)
def test_mistakes_are_explained(query: str, message: str) -> None:
    with pytest.raises(QueryError) as err:
        p(query)
    assert message in str(err.value)
    assert repr(query) in str(err.value) or query.split(":")[0] in str(err.value)


def test_words_for_highlighting_skip_negations_and_filters() -> None:
    assert words(p('Dense "passage retrieval" -graph tag:rag year:2025 retriev*')) == [
        "dense",
        "passage",
        "retrieval",
        "retriev",
    ]
