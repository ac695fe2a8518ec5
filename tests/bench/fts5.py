"""The reference the index benchmark measures Papershelf against: SQLite FTS5 (Python's
standard library; what calibre and Zotero's newer versions use), built from the same
library and asked the same queries.

One FTS5 table holds each paper's text fields and its PDF's text (``porter unicode61``
tokenizer, accents removed; bm25 with Papershelf's field weights), a metadata table holds
what sorting and filtering read (title sort key, year, date added, status, notes), a tag
table the tags with their ancestors. :data:`QUERIES` maps each query of the benchmark to
its FTS5 form, written by hand as an application on FTS5 would.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from desktop_app.core.library import NOTES_FILE, Library
from desktop_app.core.pdf.text import file_sha256, load_cached
from desktop_app.core.search.api import SortOrder
from desktop_app.core.words import title_sort_key

#: The columns of the FTS5 table and their bm25 weights (Papershelf's BOOSTS).
COLUMNS = (
    ("id", 8.0),
    ("title", 5.0),
    ("author", 3.0),
    ("tags_text", 3.0),
    ("abstract", 2.0),
    ("note", 1.5),
    ("fulltext", 1.0),
)
BM25 = "bm25(fts, {})".format(", ".join(str(w) for _c, w in COLUMNS))

_SCHEMA = f"""
CREATE VIRTUAL TABLE fts USING fts5(
    {", ".join(c for c, _w in COLUMNS)},
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE meta (
    rowid INTEGER PRIMARY KEY, key TEXT UNIQUE, title_sort TEXT, year INTEGER,
    added TEXT, status TEXT, rating INTEGER, has_notes INTEGER
);
CREATE TABLE tags (rowid INTEGER, tag TEXT);
CREATE INDEX tags_tag ON tags (tag, rowid);
CREATE INDEX meta_status ON meta (status);
"""


def _tag_values(tags: list[str]) -> set[str]:
    values: set[str] = set()
    for tag in tags:
        parts = tag.split("/")
        values.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return values


def build(library: Library, db: Path) -> None:
    """An FTS5 database of ``library`` (its papers, notes and the cached PDF texts)."""
    con = sqlite3.connect(db)
    con.executescript(_SCHEMA)
    with con:
        for rowid, key in enumerate(library.keys(), 1):
            paper = library.read(key)
            folder = library.paper_dir(key)
            try:
                notes = (folder / NOTES_FILE).read_text(encoding="utf-8")
            except FileNotFoundError:
                notes = ""
            text = ""
            pdf = library.pdf_path(paper)
            if pdf is not None:
                cached = load_cached(file_sha256(pdf))
                if cached is not None and cached.ok:
                    text = "\f".join(cached.pages)
            ids = " ".join(filter(None, [paper.key, paper.arxiv_id]))
            tag_words = " ".join(t.replace("/", " ") for t in paper.tags)
            con.execute(
                "INSERT INTO fts (rowid, id, title, author, tags_text, abstract, note, fulltext)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rowid, ids, paper.title, "\n".join(paper.authors), tag_words, paper.abstract,
                 notes, text),
            )  # fmt: skip
            con.execute(
                "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rowid, key, title_sort_key(paper.title), paper.year, paper.added,
                 paper.status.value, paper.rating, int(bool(notes.strip()))),
            )  # fmt: skip
            con.executemany(
                "INSERT INTO tags VALUES (?, ?)", [(rowid, t) for t in _tag_values(paper.tags)]
            )
    con.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    con.commit()
    con.close()


_ORDER = {
    SortOrder.RELEVANCE: "score, m.added DESC",  # bm25: the lower, the better
    SortOrder.ADDED: "m.added DESC",
    SortOrder.YEAR: "m.year DESC, m.added DESC",
    SortOrder.TITLE: "m.title_sort",
}


def _text(match: str, where: str = "1") -> str:
    """Papers whose text matches an FTS5 query, with their bm25 score."""
    return (
        f"SELECT m.key AS key, {BM25} AS score FROM fts JOIN meta m ON m.rowid = fts.rowid "
        f"WHERE fts MATCH '{match}' AND {where}"
    )


def _meta(where: str) -> str:
    """Papers by their metadata alone (score 0)."""
    return f"SELECT m.key AS key, 0.0 AS score FROM meta m WHERE {where}"


def _tagged(tag: str) -> str:
    return f"m.rowid IN (SELECT rowid FROM tags WHERE tag = '{tag}')"


#: Each query of the benchmark as FTS5 would run it: the inner SELECT of (key, score).
QUERIES: dict[str, str] = {
    "retrieval": _text("retrieval"),
    "transformer": _text("transformer"),
    "dense retrieval": _text("dense retrieval"),
    "contrastive distillation": _text("contrastive distillation"),
    '"neural network"': _text('"neural network"'),
    '"hard negatives"': _text('"hard negatives"'),
    "retriev*": _text("retriev*"),
    "multiling*": _text("multiling*"),
    "tag:rag": _meta(_tagged("rag")),
    "author:gomez": _text("author:gomez"),
    "title:graph year:2020..2025": _text("title:graph", "m.year BETWEEN 2020 AND 2025"),
    "status:unread has:notes": _meta("m.status = 'unread' AND m.has_notes"),
    "colbert -tag:survey": _text("colbert", f"NOT {_tagged('survey')}"),
    "": _meta("1"),
}


def sql(query: str, sort: SortOrder, limit: int | None = None, snippets: bool = False) -> str:
    """The SQL of a benchmark query: every hit's key in the order asked for, or the first
    ``limit`` with a snippet of their best matching column."""
    inner = QUERIES[query]
    if snippets and "fts MATCH" in inner:
        inner = inner.replace(
            "AS score FROM",
            "AS score, snippet(fts, -1, '<b>', '</b>', '…', 24) AS snip FROM",
        )
    columns = "key, snip" if snippets and "fts MATCH" in inner else "key"
    order = _ORDER[sort]
    tail = f" LIMIT {limit}" if limit is not None else ""
    return f"SELECT {columns} FROM ({inner}) JOIN meta m USING (key) ORDER BY {order}{tail}"


def tag_paper(con: sqlite3.Connection, key: str, tag: str) -> None:
    """Add a tag to a paper, as an application on FTS5 would: its tag rows, and its text
    row's tag words (FTS5 re-indexes the row), in one transaction."""
    with con:
        (rowid,) = con.execute("SELECT rowid FROM meta WHERE key = ?", (key,)).fetchone()
        con.execute("INSERT INTO tags VALUES (?, ?)", (rowid, tag))
        (words,) = con.execute("SELECT tags_text FROM fts WHERE rowid = ?", (rowid,)).fetchone()
        con.execute("UPDATE fts SET tags_text = ? WHERE rowid = ?", (f"{words} {tag}", rowid))


def process_sql(args: list[str]) -> str:
    """The FTS5 query of a ``papershelf`` command line (search QUERY, list --status S,
    show KEY): what it prints, as SQL."""
    if args[0] == "search":
        return sql(args[1], SortOrder.RELEVANCE, limit=20, snippets=True)
    if args[0] == "list":
        status = args[args.index("--status") + 1] if "--status" in args else None
        where = f"WHERE status = '{status}'" if status else ""
        return f"SELECT key, title_sort, year, added, status FROM meta {where} ORDER BY added"
    if args[0] == "show":
        return (
            "SELECT m.*, f.id, f.title, f.author, f.tags_text, f.abstract, f.note "
            f"FROM meta m JOIN fts f ON f.rowid = m.rowid WHERE m.key = '{args[1]}'"
        )
    raise ValueError(f"no FTS5 form of {args}")


def process_command(db: Path, query: str) -> list[str]:
    """The command line of a Python process that opens the FTS5 database, runs ``query``
    and prints its rows."""
    code = (
        "import sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "for row in con.execute(sys.argv[2]):\n"
        "    print(*row)\n"
    )
    return [sys.executable, "-c", code, str(db), query]


if __name__ == "__main__":
    # python -m tests.bench.fts5 LIBRARY DB: build the FTS5 copy as a process of its own
    # (the benchmark measures its time and memory as it does a `papershelf reindex`).
    build(Library.open(Path(sys.argv[1])), Path(sys.argv[2]))
