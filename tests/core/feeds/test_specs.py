"""Feed specs and feeds.json: what a feed asks arXiv for, kept in the library folder."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.errors import DamagedFile, InvalidValue
from desktop_app.core.feeds import specs
from desktop_app.core.library import Library


@pytest.mark.parametrize(
    ("spec", "name", "query"),
    [
        ("cs.IR", "cs.IR", "cat:cs.IR"),
        ("hep-th", "hep-th", "cat:hep-th"),
        ("physics.acc-ph", "physics.acc-ph", "cat:physics.acc-ph"),
        ("au:Zamani", "au:Zamani", "au:Zamani"),
        (
            'cat:cs.IR AND  abs:"retrieval augmented"',
            'cat:cs.IR AND abs:"retrieval augmented"',
            'cat:cs.IR AND abs:"retrieval augmented"',
        ),
        (
            "(cat:cs.IR OR cat:cs.CL) ANDNOT ti:survey",
            *(["(cat:cs.IR OR cat:cs.CL) ANDNOT ti:survey"] * 2),
        ),
    ],
)
def test_a_spec_is_a_category_or_a_query(spec: str, name: str, query: str) -> None:
    assert specs.parse_spec(spec) == (name, query)


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("", "needs a category"),
        ("retrieval augmented", "not an arXiv category"),
        ("retrieval", "not an arXiv category"),
        ("author:Zamani", "unknown field author:"),
        ('abs:"retrieval', "quotation mark is not closed"),
        ("(cat:cs.IR OR cat:cs.CL", "parentheses do not match"),
    ],
)
def test_a_bad_spec_is_refused_with_what_is_wrong(spec: str, says: str) -> None:
    with pytest.raises(InvalidValue, match=says):
        specs.parse_spec(spec)


def test_feeds_are_kept_in_the_library_folder_in_order(library: Library) -> None:
    specs.add(library, "cs.IR")
    specs.add(library, "au:Zamani", name="Zamani")
    data = json.loads((library.root / "feeds.json").read_text(encoding="utf-8"))
    assert data["format"] == "papershelf-feeds" and data["version"] == 1
    assert [(f["name"], f["query"]) for f in data["feeds"]] == [
        ("cs.IR", "cat:cs.IR"),
        ("Zamani", "au:Zamani"),
    ]
    assert [f.name for f in specs.load(Library.open(library.root))] == ["cs.IR", "Zamani"]


def test_a_name_or_a_query_followed_twice_is_refused(library: Library) -> None:
    specs.add(library, "cs.IR")
    with pytest.raises(InvalidValue, match=r"named 'cs\.IR' is followed already"):
        specs.add(library, "au:Zamani", name="CS.IR")
    with pytest.raises(InvalidValue, match=r"follows 'cat:cs\.IR' already"):
        specs.add(library, "cs.IR", name="IR")
    assert [f.name for f in specs.load(library)] == ["cs.IR"]


def test_removing_a_feed_names_the_feeds_there_are(library: Library) -> None:
    specs.add(library, "cs.IR")
    specs.add(library, "cs.CL")
    assert specs.remove(library, "cs.ir").name == "cs.IR"
    with pytest.raises(InvalidValue, match=r"no feed named 'cs.IR' \(feeds: cs.CL\)"):
        specs.remove(library, "cs.IR")


def test_unknown_keys_survive_and_newest_only_moves_forward(library: Library) -> None:
    path = library.root / "feeds.json"
    path.write_text(
        json.dumps(
            {
                "format": "papershelf-feeds",
                "version": 1,
                "feeds": [
                    {
                        "name": "cs.IR",
                        "query": "cat:cs.IR",
                        "newest": "2026-12-02T10:00:00Z",
                        "colour": "red",
                    },
                    {"bad": True},
                ],
                "future": 1,
            }
        ),
        encoding="utf-8",
    )
    # Another machine saw an older date: the newer one is kept.
    specs.record(library, "cs.IR", newest="2026-12-01T00:00:00Z", fetched="2026-12-03T00:00:00Z")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["feeds"] == [
        {
            "colour": "red",
            "name": "cs.IR",
            "query": "cat:cs.IR",
            "added": "",
            "newest": "2026-12-02T10:00:00Z",
            "fetched": "2026-12-03T00:00:00Z",
            "queued": None,
        }
    ]


def test_a_damaged_file_is_reported_and_kept_aside(library: Library) -> None:
    path = library.root / "feeds.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DamagedFile, match=r"feeds\.json: cannot be read as JSON"):
        specs.load(library)
    specs.add(library, "cs.IR")
    assert (library.root / "feeds.json.damaged").read_text(encoding="utf-8") == "{not json"
    assert [f.name for f in specs.load(library)] == ["cs.IR"]
