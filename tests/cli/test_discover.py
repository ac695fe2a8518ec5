"""``papershelf feed add|list|rm|fetch`` against the local arXiv; ``fetch`` runs queued feeds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.core.arxiv.net import AccessBlock
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from tests.helpers.arxiv_server import ArxivServer, Fault
from tests.helpers.shelf import Shelf


def ago(hours: int) -> str:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def server(arxiv_server: ArxivServer) -> ArxivServer:
    """The local arXiv with a day of cs.IR, and settings that need no waiting."""
    arxiv_server.settings(timeout_s=1.0).save()
    for n in range(1, 4):
        arxiv_server.add_paper(
            f"2612.0000{n}",
            title=f"Dense retrieval part {n}",
            authors=["Hamed Zamani", f"Author {n}"],
            abstract=f"We study dense retrieval, take {n}.\n\nA second paragraph.",
            categories=["cs.IR", "cs.CL"],
            published=ago(30 - n),
            comment="10 pages" if n == 1 else None,
        )
    arxiv_server.add_paper("2612.00009", published=ago(24 * 30))  # a month old
    return arxiv_server


def run(library_path: Path, *args: str) -> int:
    Library.open(library_path)  # as 'papershelf init' makes it: feeds follow in a library
    return main(["--library", str(library_path), *args])


def test_follow_list_and_unfollow(library_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(library_path, "feed", "add", "cs.IR") == 0
    assert run(library_path, "feed", "add", 'cat:cs.IR AND abs:"dense"', "--name", "dense") == 0
    out = capsys.readouterr().out
    assert "Following cs.IR (cat:cs.IR)" in out
    assert run(library_path, "feed", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "INBOX", "FETCHED", "QUERY"]
    assert lines[1].split() == ["cs.IR", "0", "never", "cat:cs.IR"]
    assert lines[2].startswith("dense")
    assert run(library_path, "feed", "rm", "dense") == 0
    assert run(library_path, "feed", "rm", "dense") == 1
    err = capsys.readouterr().err
    assert err == "papershelf: error: there is no feed named 'dense' (feeds: cs.IR)\n"
    assert run(library_path, "feed", "add", "retrieval") == 1
    assert "not an arXiv category (like cs.IR)" in capsys.readouterr().err


def test_fetch_brings_new_papers_once_and_writes_a_digest_import_reads_back(
    server: ArxivServer, library_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(library_path, "feed", "add", "cs.IR")
    digest = tmp_path / "today.md"
    assert run(library_path, "feed", "fetch", "--digest", str(digest)) == 0
    out = capsys.readouterr().out
    assert "cs.IR: 3 new" in out and "3 new papers in the inbox" in out
    assert "3 papers written to" in out
    library = Library.open(library_path)
    fetched = {p.key: p for p in library.papers() if p.status is Status.NEW}
    assert sorted(fetched) == ["2612.00001", "2612.00002", "2612.00003"]
    # A second fetch adds nothing.
    assert run(library_path, "feed", "fetch") == 0
    assert "cs.IR: 0 new" in capsys.readouterr().out
    # The digest brings the same papers into another library.
    other = tmp_path / "other"
    assert run(other, "import-digest", str(digest)) == 0
    for paper in Library.open(other).papers():
        mine = fetched[paper.key]
        assert (paper.title, paper.authors, paper.abstract, paper.categories) == (
            mine.title,
            mine.authors,
            mine.abstract,
            mine.categories,
        )
        assert (paper.arxiv_version, paper.comment, paper.published) == (
            mine.arxiv_version,
            mine.comment,
            mine.published,
        )
    assert len(Library.open(other).papers()) == 3


def test_fetch_json_says_what_each_feed_did(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(library_path, "feed", "add", "cs.IR")
    run(library_path, "feed", "add", "au:Zamani", "--name", "Zamani")
    capsys.readouterr()
    assert run(library_path, "feed", "fetch", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["added"] == ["2612.00001", "2612.00002", "2612.00003"]
    assert [(f["name"], f["added"], f["present"]) for f in data["feeds"]] == [
        ("cs.IR", data["added"], []),
        ("Zamani", [], data["added"]),
    ]
    assert data["queued"] == [] and data["stopped"] is None
    assert run(library_path, "feed", "list", "--json") == 0
    assert [f["inbox"] for f in json.loads(capsys.readouterr().out)] == [3, 3]


def test_offline_feeds_wait_for_papershelf_fetch(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(library_path, "feed", "add", "cs.IR")
    assert run(library_path, "--offline", "feed", "fetch") == 0
    assert "Offline: 1 feed queued" in capsys.readouterr().out
    assert server.requests_of("api") == []
    assert run(library_path, "feed", "list") == 0
    assert "queued" in capsys.readouterr().out
    assert run(library_path, "fetch") == 0
    out = capsys.readouterr().out
    assert "Fetching 1 queued feed…" in out and "cs.IR: 3 new" in out
    assert run(library_path, "fetch") == 0
    assert "the queue is empty" in capsys.readouterr().out


def test_a_403_stops_the_feeds_with_an_error(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(library_path, "feed", "add", "cs.IR")
    run(library_path, "feed", "add", "cs.CL")
    server.fail_next("api", Fault.http(403))
    assert run(library_path, "feed", "fetch") == 1
    err = capsys.readouterr().err
    assert "HTTP 403" in err and "papershelf fetch --resume" in err
    assert len(server.requests_of("api")) == 1
    AccessBlock().resume()
    assert run(library_path, "fetch") == 0
    assert "cs.CL: 0 new, 3 in the library already" in capsys.readouterr().out


def test_inbox_sorted_by_what_you_keep_shows_the_score_and_why(
    library: Library, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def add(n: int, title: str, status: Status) -> None:
        library.add(Paper(key=f"2612.0010{n}", arxiv_id=f"2612.0010{n}", title=title,
                          abstract=title, status=status))  # fmt: skip

    add(1, "Dense passage retrieval for question answering", Status.UNREAD)
    add(2, "Sparse retrieval of passages with learned term weights", Status.READ)
    add(3, "Image segmentation with convolutional networks", Status.NEW)
    library.dismiss("2612.00103")
    add(4, "Object detection in video frames", Status.NEW)
    library.dismiss("2612.00104")
    add(5, "Video object detection at scale", Status.NEW)
    add(6, "Dense retrieval of passages, revisited", Status.NEW)
    assert run(library_path, "inbox", "--sort", "likely") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "LIKELY", "TITLE"]
    assert lines[1].startswith("2612.00106") and "Dense retrieval of passages" in lines[1]
    assert "like ‘Dense passage retrieval for …’ that you kept; words:" in lines[2]
    assert lines[3].startswith("2612.00105")
    assert lines[-1] == "2 papers to triage, learned from 4 decisions."
    assert run(library_path, "inbox", "--sort", "likely", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["key"] for p in data] == ["2612.00106", "2612.00105"]
    assert data[0]["score"] > data[1]["score"]


def test_related_lists_the_papers_most_like_one(
    library: Library, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = {
        "2612.00201": "Dense passage retrieval with contrastive training",
        "2612.00202": "Dense retrieval of passages for open-domain questions",
        "2612.00203": "Contrastive dense passage encoders",
        "2612.00204": "Crop yields under drought",
    }
    for key, title in texts.items():
        library.add(Paper(key=key, arxiv_id=key, title=title, abstract=title))
    assert run(library_path, "related", "2612.00201", "--limit", "2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "SCORE", "TITLE"]
    assert {line.split()[0] for line in lines[1:]} == {"2612.00202", "2612.00203"}
    assert run(library_path, "related", "2612.00201", "--json") == 0
    keys = [h["key"] for h in json.loads(capsys.readouterr().out)]
    assert "2612.00204" not in keys and "2612.00201" not in keys and len(keys) == 2
    assert run(library_path, "related", "2612.00204") == 0
    assert capsys.readouterr().out == "Nothing in the library is like 2612.00204.\n"
    assert run(library_path, "related", "2612.99999") == 1


def test_check_updates_says_when_a_paper_was_published(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(library_path, "feed", "add", "cs.IR")
    run(library_path, "feed", "fetch")
    server.papers["2612.00002"].journal_ref = "Proc. SIGIR 2026, 1-10"
    server.papers["2612.00002"].doi = "10.1145/1.2"
    capsys.readouterr()
    assert run(library_path, "check-updates") == 0
    out = capsys.readouterr().out
    assert "published  2612.00002v1: Proc. SIGIR 2026, 1-10" in out
    assert out.endswith("0 with a newer version (0 new); 1 published since added.\n")
    capsys.readouterr()
    assert run(library_path, "export", "bibtex", "id:2612.00002") == 0
    bib = capsys.readouterr().out
    for line in ("journal       = {Proc. SIGIR 2026},", "pages         = {1--10},"):
        assert line in bib
    assert "doi           = {10.1145/1.2}," in bib and "eprint        = {2612.00002}," in bib


def test_the_feed_commands_run_as_the_installed_program(shelf: Shelf) -> None:
    assert shelf.sub("feed", "add", "cs.IR").stdout.startswith("Following cs.IR (cat:cs.IR)")
    assert shelf.sub("feed", "fetch").stdout.startswith("Offline: 1 feed queued")
    assert json.loads(shelf.sub("feed", "list", "--json").stdout)[0]["queued"]
    assert shelf.sub("inbox", "--sort", "likely").stdout.startswith("Nothing to learn from yet")
    err = shelf.sub("related", "2504.99999", code=1).stderr
    assert err.startswith("papershelf: error: no paper '2504.99999'")
