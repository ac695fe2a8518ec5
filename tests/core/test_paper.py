"""The paper record: status dates, tags, rating, and paper.json's shape."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.errors import InvalidValue
from desktop_app.core.paper import (
    FetchState,
    Paper,
    Status,
    local_key,
    normalize_tag,
)


def _paper(**values: object) -> Paper:
    return Paper.from_arxiv(parse("2504.05220v1"), title="A paper", **values)  # type: ignore[arg-type]


def test_status_changes_record_their_dates() -> None:
    paper = _paper(status=Status.NEW)
    paper.set_status(Status.UNREAD, when="2025-04-08T09:00:00Z")
    assert (paper.started, paper.finished) == (None, None)
    paper.set_status(Status.READING, when="2025-04-09T09:00:00Z")
    assert paper.started == "2025-04-09T09:00:00Z"
    paper.set_status(Status.READ, when="2025-04-10T09:00:00Z")
    assert (paper.started, paper.finished) == ("2025-04-09T09:00:00Z", "2025-04-10T09:00:00Z")
    assert paper.status_changed == "2025-04-10T09:00:00Z"
    # Reading it again: started stays, finished goes until it is read again.
    paper.set_status(Status.READING, when="2025-05-01T09:00:00Z")
    assert (paper.started, paper.finished) == ("2025-04-09T09:00:00Z", None)
    # Read straight away: started and finished at once.
    other = _paper()
    other.set_status(Status.READ, when="2025-04-11T00:00:00Z")
    assert other.started == other.finished == "2025-04-11T00:00:00Z"
    # Back to the pile: the dates go.
    other.set_status(Status.UNREAD, when="2025-04-12T00:00:00Z")
    assert (other.started, other.finished) == (None, None)


def test_status_parse_names_the_choices() -> None:
    assert Status.parse(" Reading ") is Status.READING
    with pytest.raises(InvalidValue, match=r"unknown status 'done' \(choose one of new, unread"):
        Status.parse("done")


def test_tags_are_trimmed_unique_without_regard_to_case_and_hierarchical() -> None:
    paper = _paper()
    paper.add_tags(["  RAG ", "rag", "Rag", " rag /  eval ", "", "  /  "])
    assert paper.tags == ["RAG", "rag/eval"]
    paper.remove_tags(["rag"])
    assert paper.tags == ["rag/eval"]
    assert normalize_tag(" a  b / c ") == "a b/c"


def test_renaming_a_tag_moves_its_children_and_merges() -> None:
    paper = _paper(tags=["rag", "rag/eval", "retrieval", "other"])
    assert paper.rename_tag("RAG", "retrieval")
    assert paper.tags == ["retrieval", "retrieval/eval", "other"]
    assert not paper.rename_tag("missing", "x")


def test_rating_is_0_to_5() -> None:
    paper = _paper()
    paper.set_rating(5)
    assert paper.rating == 5
    with pytest.raises(InvalidValue, match="rating 7 is out of range"):
        paper.set_rating(7)
    assert paper.rating == 5


def test_round_trip_through_json_keeps_every_field_and_unknown_keys() -> None:
    paper = _paper(
        authors=["A. One", "B. Two"],
        categories=["cs.IR", "cs.LG"],
        tags=["rag"],
        rating=3,
        pdf_state=FetchState.PENDING,
        status=Status.READING,
    )
    data = paper.to_dict()
    data["from_a_newer_version"] = {"nested": [1, 2]}
    text = json.dumps(data)
    again = Paper.from_dict(json.loads(text))
    assert again.to_dict() == data
    assert again.extra == {"from_a_newer_version": {"nested": [1, 2]}}
    assert data["format"] == "papershelf-paper" and data["format_version"] == 1


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"title": "x"}, "missing 'key'"),
        ({"key": "k", "status": "done"}, "unknown status"),
        ({"key": "k", "authors": "A. One"}, "'authors' must be a list of strings"),
        ({"key": "k", "title": ["x"]}, "'title' must be a string"),
        ({"key": "k", "arxiv_version": "2"}, "'arxiv_version' must be a whole number"),
        ({"key": "k", "pdf_state": "downloading"}, "downloading"),
    ],
)
def test_a_bad_record_raises_a_clear_error(data: dict[str, object], problem: str) -> None:
    with pytest.raises((TypeError, ValueError), match=problem):
        Paper.from_dict(data)


def test_hand_edited_values_are_tolerated() -> None:
    paper = Paper.from_dict({"key": "k", "title": None, "rating": 9, "last_page": None})
    assert (paper.title, paper.rating, paper.last_page) == ("", 5, 0)


def test_identity() -> None:
    paper = _paper()
    assert paper.key == "2504.05220"
    assert paper.display_id == "2504.05220v1"
    assert paper.year == 2025
    paper.published = "2024-12-31"
    assert paper.year == 2024
    paper.latest_version = 3
    assert paper.has_update
    key = local_key("Ünïcode: A Title!", "seed")
    assert key.startswith("local-unicode-a-title-") and len(key.rsplit("-", 1)[1]) == 8
