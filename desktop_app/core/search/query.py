"""The search query language, parsed into a small tree that any engine can evaluate.

The syntax (listed in core/search/api.py and the README)::

    free words              all must match (in any field, full text included)
    title: author: abstract: tag: status: cat: note: fulltext: id:   one field
    year:2025  year:2020..2025  year:..2019  rating:4  rating:3..5
    "a phrase"  "a phrase"~3 (words at most 3 apart)  prefix*  wild?card
    fuzzy~ (up to 2 typos; 1 in words of 4 letters or less)  fuzzy~1
    AND  OR  NOT  -term  ( ... )  field:( ... )   (AND binds tighter than OR)
    has:notes|pdf|text|tags|rating  pdf:none|pending|done|failed  added:7d|2w|6m|1y

Mistakes raise :class:`QueryError` with a message that quotes the part at fault.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from desktop_app.core.errors import QueryError
from desktop_app.core.paper import FetchState, Status

#: Query field names (and their aliases) -> the field they mean.
FIELD_NAMES = {
    "title": "title",
    "author": "author",
    "authors": "author",
    "abstract": "abstract",
    "tag": "tag",
    "tags": "tag",
    "status": "status",
    "cat": "cat",
    "category": "cat",
    "categories": "cat",
    "year": "year",
    "note": "note",
    "notes": "note",
    "annotation": "annotation",
    "annotations": "annotation",
    "fulltext": "fulltext",
    "text": "fulltext",
    "id": "id",
    "arxiv": "id",
    "key": "id",
    "has": "has",
    "pdf": "pdf",
    "added": "added",
    "rating": "rating",
}
#: The field of a PDF's text (``fulltext:``, ``text:``).
FULLTEXT = "fulltext"
TEXT_FIELDS = ("title", "author", "abstract", "tag", "cat", "note", "annotation", FULLTEXT, "id")
HAS_VALUES = ("notes", "pdf", "text", "tags", "rating", "annotations")
PDF_VALUES = tuple(s.value for s in FetchState)
_FIELDS_HELP = (
    "title author abstract tag status cat year note annotation fulltext id has pdf added rating"
)
_RANGE = re.compile(r"^(\d*)\.\.(\d*)$")
_AGE = re.compile(r"^(\d+)([dwmy])$")
_AGE_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_FIELD_PREFIX = re.compile(r"^([A-Za-z_]+):(.*)$", re.S)
_FUZZY = re.compile(r"^(.*?)~(\d*)$", re.S)
MAX_FUZZY = 2

Kind = Literal["word", "phrase", "prefix", "wildcard", "fuzzy"]


@dataclass(frozen=True)
class Term:
    """A word or phrase; ``field`` None means every text field and the full text."""

    field: str | None
    text: str
    kind: Kind = "word"
    distance: int = 0  # fuzzy: edits allowed; phrase: words allowed between


@dataclass(frozen=True)
class Range:
    """A numeric range (year, rating) or, for ``added``, seconds since the epoch."""

    field: str
    low: int | None
    high: int | None


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Term | Range | And | Or | Not


# -- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: Literal["word", "phrase", "lparen", "rparen", "op"]
    text: str
    negate: bool = False
    field: str | None = None  # "title" for ``title:...`` (a word, phrase or an opening paren)
    slop: int = 0  # phrase: ``"..."~N``


def _tokens(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        if ch == ")":
            toks.append(_Tok("rparen", ")"))
            i += 1
            continue
        negate = False
        if ch in "-+" and i + 1 < n and not query[i + 1].isspace():
            negate = ch == "-"
            i += 1
            ch = query[i]
        field: str | None = None
        # A word up to a space, a parenthesis or a quote; "name:" before a quote or a
        # parenthesis is a field prefix.
        j = i
        while j < n and not query[j].isspace() and query[j] not in '()"':
            j += 1
        word = query[i:j]
        if word.endswith(":") and j < n and query[j] in '("':
            field = _field_name(word[:-1], query)
            i = j
            ch = query[i]
        elif word:
            i = j
            if word in ("AND", "OR", "NOT") and not negate:
                toks.append(_Tok("op", word))
            else:
                toks.append(_Tok("word", word, negate))
            continue
        if ch == "(":
            toks.append(_Tok("lparen", "(", negate, field))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError(f'unclosed quote in {query!r}: add the closing "')
            slop = 0
            k = end + 1
            if k < n and query[k] == "~":
                m = re.match(r"~(\d+)", query[k:])
                if not m:
                    raise QueryError(f'"~" after a phrase needs a number ("a b"~3) in {query!r}')
                slop = int(m.group(1))
                k += m.end()
            toks.append(_Tok("phrase", query[i + 1 : end], negate, field, slop))
            i = k
    return toks


def _field_name(name: str, query: str) -> str:
    field = FIELD_NAMES.get(name.lower())
    if field is None:
        raise QueryError(
            f"unknown field {name + ':'!r} in {query!r} (fields: {_FIELDS_HELP}); "
            "put text with a colon in quotes to search for it as words"
        )
    return field


# -- the parser ----------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str, now: dt.datetime) -> None:
        self.query = query
        self.now = now
        self.toks = _tokens(query)
        self.i = 0

    def parse(self) -> Node | None:
        if not self.toks:
            return None
        node = self._or(None)
        if self.i < len(self.toks):
            tok = self.toks[self.i]
            if tok.kind == "rparen":
                raise QueryError(f"unmatched ')' in {self.query!r}")
            raise QueryError(f"unexpected {tok.text!r} in {self.query!r}")  # pragma: no cover
        return node

    def _peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _or(self, field: str | None) -> Node:
        items = [self._and(field)]
        while (tok := self._peek()) and tok.kind == "op" and tok.text == "OR":
            self.i += 1
            if self._at_end():
                raise QueryError(f"'OR' at the end of {self.query!r} needs a term after it")
            items.append(self._and(field))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _at_end(self) -> bool:
        tok = self._peek()
        return tok is None or tok.kind == "rparen"

    def _and(self, field: str | None) -> Node:
        items = [self._unary(field)]
        while (tok := self._peek()) and tok.kind != "rparen":
            if tok.kind == "op" and tok.text == "OR":
                break
            if tok.kind == "op" and tok.text == "AND":
                self.i += 1
                if self._at_end():
                    raise QueryError(f"'AND' at the end of {self.query!r} needs a term after it")
            items.append(self._unary(field))
        return items[0] if len(items) == 1 else And(tuple(items))

    def _unary(self, field: str | None) -> Node:
        tok = self._peek()
        if tok is None:  # pragma: no cover - callers check
            raise QueryError(f"{self.query!r} ends too early")
        if tok.kind == "op":
            if tok.text == "NOT":
                self.i += 1
                if self._at_end():
                    raise QueryError(f"'NOT' in {self.query!r} needs a term after it")
                return Not(self._unary(field))
            raise QueryError(f"{tok.text!r} in {self.query!r} needs a term before it")
        self.i += 1
        if tok.kind == "rparen":  # pragma: no cover - _and stops before it
            raise QueryError(f"unmatched ')' in {self.query!r}")
        if tok.kind == "lparen":
            inner_field = tok.field or field
            if self._at_end():
                if self._peek() is None:
                    raise QueryError(f"unclosed '(' in {self.query!r}")
                raise QueryError(f"empty parentheses in {self.query!r}")
            node = self._or(inner_field)
            closing = self._peek()
            if closing is None or closing.kind != "rparen":
                raise QueryError(f"unclosed '(' in {self.query!r}: add the closing ')'")
            self.i += 1
        elif tok.kind == "phrase":
            node = self._phrase(tok.field or field, tok.text, tok.slop)
        else:
            node = self._word(tok.text, field)
        return Not(node) if tok.negate else node

    def _phrase(self, field: str | None, text: str, slop: int) -> Node:
        if not text.strip():
            raise QueryError(f"empty phrase in {self.query!r}")
        if field in _VALUE_FIELDS:
            return self._value(field, text)
        return Term(field, text, "phrase", slop)

    def _word(self, word: str, field: str | None) -> Node:
        m = _FIELD_PREFIX.match(word)
        if m and not word.startswith(":"):
            field = _field_name(m.group(1), self.query)
            word = m.group(2)
            if not word:
                raise QueryError(f"nothing after {m.group(1) + ':'!r} in {self.query!r}")
        if field in _VALUE_FIELDS:
            return self._value(field, word)
        fuzzy = _FUZZY.match(word)
        if fuzzy:
            base, dist = fuzzy.group(1), fuzzy.group(2)
            distance = int(dist) if dist else (1 if len(base) <= 4 else 2)
            if not base or not any(c.isalnum() for c in base):
                raise QueryError(f"{word!r} in {self.query!r}: '~' follows a word (retrieval~)")
            if not 1 <= distance <= MAX_FUZZY:
                raise QueryError(
                    f"{word!r} in {self.query!r}: a fuzzy word allows 1 to {MAX_FUZZY} edits"
                )
            return Term(field, base, "fuzzy", distance)
        if "*" in word or "?" in word:
            letters = word.replace("*", "").replace("?", "")
            if not any(c.isalnum() for c in letters):
                raise QueryError(
                    f"{word!r} in {self.query!r}: a wildcard needs letters too (retriev*)"
                )
            if word.endswith("*") and "*" not in word[:-1] and "?" not in word:
                return Term(field, word[:-1], "prefix")
            return Term(field, word, "wildcard")
        if not any(c.isalnum() for c in word):
            raise QueryError(f"{word!r} in {self.query!r} holds no letters or digits")
        return Term(field, word, "word")

    # Fields whose values are checked and turned into exact terms or ranges here.
    def _value(self, field: str, value: str) -> Node:
        value = value.strip()
        if field in ("year", "rating"):
            return self._number_range(field, value)
        if field == "added":
            return self._added(value)
        low = value.lower()
        if field == "status":
            try:
                return Term("status", Status.parse(low).value, "word")
            except ValueError as e:
                raise QueryError(f"{e} in {self.query!r}") from None
        if field == "has":
            if low not in HAS_VALUES:
                raise QueryError(
                    f"has:{value} in {self.query!r}: use has:" + " has:".join(HAS_VALUES)
                )
            return Term("has", low, "word")
        if field == "pdf":
            if low not in PDF_VALUES:
                raise QueryError(f"pdf:{value} in {self.query!r}: use pdf:" + "|".join(PDF_VALUES))
            return Term("pdf", low, "word")
        raise AssertionError(field)  # pragma: no cover

    def _number_range(self, field: str, value: str) -> Range:
        example = "year:2025, year:2020..2025" if field == "year" else "rating:4, rating:3..5"
        if value.isdigit():
            return Range(field, int(value), int(value))
        m = _RANGE.match(value)
        if not m or not (m.group(1) or m.group(2)):
            raise QueryError(f"{field}:{value} in {self.query!r} is not a {field} ({example})")
        low = int(m.group(1)) if m.group(1) else None
        high = int(m.group(2)) if m.group(2) else None
        if low is not None and high is not None and low > high:
            raise QueryError(f"{field}:{value} in {self.query!r}: the range runs backwards")
        return Range(field, low, high)

    def _added(self, value: str) -> Range:
        m = _AGE.match(value.lower())
        if not m:
            raise QueryError(
                f"added:{value} in {self.query!r}: use a number of days, weeks, months or "
                "years (added:7d, added:2w, added:6m, added:1y)"
            )
        days = int(m.group(1)) * _AGE_DAYS[m.group(2)]
        since = self.now - dt.timedelta(days=days)
        return Range("added", int(since.timestamp()), None)


_VALUE_FIELDS = frozenset({"year", "rating", "added", "status", "has", "pdf"})


def parse(query: str, now: dt.datetime | None = None) -> Node | None:
    """The tree of ``query``; None for an empty query (everything). Raises QueryError."""
    return _Parser(query, now or dt.datetime.now(dt.UTC)).parse()


def searched_terms(node: Node | None) -> Iterator[Term]:
    """The terms a query searches for, in order: not the negated ones nor the ranges and
    filters (what its snippets mark)."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from searched_terms(item)


def words(node: Node | None) -> list[str]:
    """The words a query searches for (not the negated ones nor the filters), for highlighting."""
    found: list[str] = []
    for n in searched_terms(node):
        if n.field in (None, *TEXT_FIELDS) and n.field not in ("tag", "cat", "id"):
            for w in re.findall(r"\w+", n.text.replace("*", "").replace("?", "")):
                if w.lower() not in found:
                    found.append(w.lower())
    return found
