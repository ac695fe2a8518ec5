"""Query mapping: a query's words (:class:`Term`) as Whoosh queries over the index fields
they name, and "did you mean" for a query that finds nothing.

Free words search every text field of a paper with BM25F field boosts, and its full text;
``title:``, ``author:``... one field; keyword fields (``tag:``, ``cat:``, ``status:``...)
match whole values. Each index field's query is scored by :mod:`.scoring`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from whoosh import query as wq
from whoosh.searching import Searcher

from desktop_app.core.errors import PapershelfError
from desktop_app.core.search import query as querysyntax
from desktop_app.core.search.query import FULLTEXT, Node, Term, searched_terms
from desktop_app.core.search.terms import exact_term, fold, phrase_offsets, stem_term
from desktop_app.core.search.whoosh.analysis import (
    PLAIN,
    STEMMED,
    TextAnalyzer,
    exact_name,
    keyword_term,
)
from desktop_app.core.search.whoosh.store import EXACT_FIELDS

#: Field boosts of free text (BM25F): title above authors and tags, above abstract, above
#: notes, above the full text.
BOOSTS = {
    "id": 8.0,
    "title": 5.0,
    "author": 3.0,
    "tags_text": 3.0,
    "abstract": 2.0,
    "note": 1.5,
    "annotation": 1.5,  # the reader's own words and the passages marked, as notes
    FULLTEXT: 1.0,
}
#: Query field -> index fields it searches (free text: all of them and the full text).
TEXT_FIELD_MAP: dict[str | None, tuple[str, ...]] = {
    None: ("id", "title", "author", "tags_text", "abstract", "note", "annotation"),
    "title": ("title",),
    "author": ("author",),
    "abstract": ("abstract",),
    "note": ("note",),
    "annotation": ("annotation",),
    "fulltext": (),
    "tag": ("tag",),
    "cat": ("cat",),
    "id": ("id",),
    "status": ("status",),
    "has": ("has",),
    "pdf": ("pdf",),
}
KEYWORD_FIELDS = frozenset({"id", "tag", "cat", "status", "has", "pdf"})
#: The stemmed fields with a twin of exact forms, and the weight of a word found as typed
#: there (1.0: a word as typed counts twice, once for its stem and once for its form).
EXACT_TWINS = frozenset({*EXACT_FIELDS, FULLTEXT})
EXACT_WEIGHT = 1.0


def _analyzer(fieldname: str) -> TextAnalyzer:
    return PLAIN if fieldname == "author" else STEMMED


def field_query(fieldname: str, term: Term, boost: float) -> wq.Query | None:
    """One query field's Whoosh query for a word, phrase, prefix, wildcard or fuzzy word."""
    if fieldname in KEYWORD_FIELDS:
        value = keyword_term(term.text)
        if fieldname == "id" and value.startswith("arxiv:"):
            value = value[len("arxiv:") :]
        if not value:
            return None
        if term.kind == "prefix":
            return wq.Prefix(fieldname, value, boost=boost)
        if term.kind == "wildcard":
            return wq.Wildcard(fieldname, value, boost=boost)
        if term.kind == "fuzzy":
            return wq.FuzzyTerm(fieldname, value, boost=boost, maxdist=term.distance)
        return wq.Term(fieldname, value, boost=boost)
    analyzer = _analyzer(fieldname)
    if term.kind == "prefix":
        folded = fold(term.text)
        if not folded:
            return None
        prefixes = {folded}
        if analyzer.stem and (stemmed := stem_term(term.text)):
            prefixes.add(stemmed)
        parts = [wq.Prefix(fieldname, p, boost=boost) for p in sorted(prefixes)]
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    if term.kind == "wildcard":
        return wq.Wildcard(fieldname, fold(term.text), boost=boost)
    if term.kind == "fuzzy":
        text = stem_term(term.text) if analyzer.stem else fold(term.text)
        text = text or fold(term.text)
        return wq.FuzzyTerm(fieldname, text, boost=boost, maxdist=term.distance, prefixlength=1)
    placed = phrase_offsets(term.text, analyzer.stem)
    if not placed:
        return None
    if len(placed) == 1:
        stem = placed[0][1]
        stemmed = wq.Term(fieldname, stem, boost=boost)
        exact = exact_term(term.text) if fieldname in EXACT_TWINS and term.kind == "word" else ""
        if not exact:
            return stemmed
        return wq.Or([stemmed, ExactForm(fieldname, exact, stem, boost * EXACT_WEIGHT)])
    slop = 1 + term.distance if term.kind == "phrase" else 1
    return PlacedPhrase(fieldname, placed, slop=slop, boost=boost)


class ExactForm(wq.Term):  # type: ignore[misc]
    """A word as typed, in a stemmed field: the papers holding that form, scored by its
    occurrences (BM25 over the stemmed field's lengths). A form that differs from its stem
    is a term of the field's twin (``title_exact``); one equal to its stem is counted as
    the stem's occurrences less those of its other forms (:func:`.scoring.exact_counts`)."""

    def __init__(self, fieldname: str, text: str, stem: str, boost: float) -> None:
        super().__init__(exact_name(fieldname), text, boost=boost)
        self.base = fieldname
        self.stem = stem

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.base == getattr(other, "base", None)

    def __hash__(self) -> int:
        return hash((super().__hash__(), self.base))


class PlacedPhrase(wq.Phrase):  # type: ignore[misc]
    """A phrase whose words keep their places in it, the dropped ones counted: ``"bag of
    words"`` wants ``word`` two places after ``bag`` (any one stop word between them, as in
    Lucene), and ``"hard negatives"`` adjacent words."""

    def __init__(
        self, fieldname: str, placed: tuple[tuple[int, str], ...], slop: int, boost: float
    ) -> None:
        super().__init__(fieldname, [t for _pos, t in placed], slop=slop, boost=boost)
        self.offsets = tuple(pos for pos, _t in placed)

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.offsets == getattr(other, "offsets", None)

    def __hash__(self) -> int:
        return hash((super().__hash__(), self.offsets))


def paper_query(term: Term) -> wq.Query | None:
    fields = TEXT_FIELD_MAP.get(term.field, ())
    if term.field is None and term.kind == "phrase":
        fields = tuple(f for f in fields if f != "id")
    parts = [
        q
        for f in fields
        if (q := field_query(f, term, BOOSTS.get(f, 1.0) if term.field is None else 1.0))
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def text_query(term: Term) -> wq.Query | None:
    return field_query(FULLTEXT, term, 1.0)


def plain_words(tree: Node) -> list[str]:
    """The plain words of free-text, title, abstract or note terms (for "did you mean")."""
    found: list[str] = []
    for n in searched_terms(tree):
        if n.kind == "word" and n.field in (None, "title", "abstract", "note", "author"):
            found.extend(w for w in re.findall(r"\w+", n.text) if len(w) > 2)
    return found


def suggest(
    searchers: tuple[Searcher, Searcher], query: str, tree: Node, finds: Callable[[Node], bool]
) -> str | None:
    """The query with unknown words replaced by the closest known ones (in the papers'
    words, or the full text), if ``finds`` finds anything with it."""
    psearcher, tsearcher = searchers
    preader, treader = psearcher.reader(), tsearcher.reader()
    corrector = preader.corrector("words")
    changed = query
    for word in plain_words(tree):
        folded = fold(word)
        if preader.frequency("words", folded) or treader.frequency(FULLTEXT, stem_term(word)):
            continue
        found = corrector.suggest(folded, limit=1, maxdist=2, prefix=1)
        if found and found[0] != folded:
            changed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", found[0], changed, count=1)
    if changed == query:
        return None
    try:
        tree2 = querysyntax.parse(changed)
    except PapershelfError:
        return None
    if tree2 is None or not finds(tree2):
        return None
    return changed
