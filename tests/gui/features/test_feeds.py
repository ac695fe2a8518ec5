"""The daily feed in the window: the Feeds section, fetching through the queue, the Inbox by
Likely to keep with its why-line, published versions and related papers."""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app.core.feeds import ranking, specs
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.core.search.api import Hit, PaperSummary
from desktop_app.gui.features import feeds as feeds_module
from desktop_app.gui.features.feeds import FEEDS_SECTION, PUBLISHED_ID, FeedsFeature
from desktop_app.gui.features.feeds_widgets import (
    FeedsDialog,
    FeedsModel,
    RelatedModel,
    published_text,
)
from desktop_app.gui.widgets.sidebar_model import INBOX_ID
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.collector import collections_within
from tests.helpers.window import WAIT_MS, Factory, feature

RETRIEVAL = ["retrieval", "dense", "passages", "query", "ranking", "index", "reranking"]
VISION = ["image", "pixels", "convolution", "segmentation", "detection", "camera", "video"]


def paper(n: int, topic: list[str], status: Status, rng: random.Random, **values: Any) -> Paper:
    key = f"2612.{n:05d}"
    values.setdefault("title", " ".join(rng.sample(topic, 3)).capitalize() + f" {n}")
    return Paper(
        key=key,
        arxiv_id=key,
        arxiv_version=1,
        abstract=" ".join(rng.choices(topic, k=15)),
        status=status,
        added=f"2026-12-01T10:00:{n % 60:02d}Z",
        **values,
    )


def rows(window: MainWindow) -> list[str]:
    return [window.model.summary(r).key for r in range(window.model.rowCount())]  # type: ignore[union-attr]


def wait_scanned(qtbot: QtBot, feeds: FeedsFeature, test: Any) -> None:
    qtbot.waitUntil(lambda: not feeds._scanning and test(), timeout=WAIT_MS)


def test_the_feeds_section_lists_each_feeds_papers_with_counts(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    rng = random.Random(1)
    specs.add(library, "cs.IR")
    specs.add(library, "au:Zamani", name="Zamani")
    library.add(paper(1, RETRIEVAL, Status.NEW, rng, feeds=["cs.IR", "Zamani"]))
    library.add(paper(2, RETRIEVAL, Status.NEW, rng, feeds=["cs.IR"]))
    library.add(paper(3, RETRIEVAL, Status.UNREAD, rng, feeds=["cs.IR"]))  # kept: not new
    window = make_window()
    feeds = feature(window, FeedsFeature)
    model = window.sidebar_model
    wait_scanned(qtbot, feeds, lambda: model.find("feed:zamani") is not None)
    section = model.find(FEEDS_SECTION)
    assert section is not None and [n.label for n in section.children] == ["cs.IR", "Zamani"]
    assert model.find("feed:cs.ir").count == 2  # type: ignore[union-attr]
    assert model.find("feed:zamani").count == 1  # type: ignore[union-attr]
    assert model.index_of(FEEDS_SECTION).row() == model.index_of(INBOX_ID).row() + 1
    window.sidebar.select_node("feed:zamani")
    qtbot.waitUntil(lambda: rows(window) == ["2612.00001"], timeout=WAIT_MS)
    window.sidebar.select_node("feed:cs.ir")
    qtbot.waitUntil(lambda: sorted(rows(window)) == ["2612.00001", "2612.00002"], timeout=WAIT_MS)


def test_fetch_feeds_goes_through_the_fetch_queue_and_fills_the_inbox(
    qtbot: QtBot, make_window: Factory, library: Library, arxiv_server: Any
) -> None:
    now = dt.datetime.now(dt.UTC)
    for n in range(1, 4):
        when = (now - dt.timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        arxiv_server.add_paper(f"2612.0000{n}", title=f"Fresh paper {n}", published=when)
    specs.add(library, "cs.IR")
    specs.record(library, "cs.IR", fetched=now.strftime("%Y-%m-%dT%H:%M:%SZ"))  # not due
    window = make_window(arxiv_server.settings())
    feeds = feature(window, FeedsFeature)
    wait_scanned(qtbot, feeds, lambda: window.sidebar_model.find("feed:cs.ir") is not None)
    window.action_table["fetch_feeds"].trigger()
    qtbot.waitUntil(
        lambda: any("3 new papers from cs.IR" in m for m in window.notices.messages()),
        timeout=WAIT_MS,
    )
    assert sorted(p.key for p in library.papers() if p.status is Status.NEW) == [
        "2612.00001",
        "2612.00002",
        "2612.00003",
    ]
    qtbot.waitUntil(
        lambda: window.sidebar_model.find("feed:cs.ir").count == 3,  # type: ignore[union-attr]
        timeout=WAIT_MS,
    )
    assert [r.query.get("search_query") for r in arxiv_server.requests_of("api")] == [["cat:cs.IR"]]


def test_offline_a_feed_fetch_waits_in_the_queue(
    qtbot: QtBot, make_window: Factory, library: Library, arxiv_server: Any
) -> None:
    specs.add(library, "cs.IR")
    window = make_window()  # offline
    feeds = feature(window, FeedsFeature)
    wait_scanned(qtbot, feeds, lambda: bool(feeds.scan.feeds))
    window.action_table["fetch_feeds"].trigger()
    qtbot.waitUntil(
        lambda: any("Offline: 1 feed queued" in m for m in window.notices.messages()),
        timeout=WAIT_MS,
    )
    assert specs.load(library)[0].queued and arxiv_server.requests == []


def decided_library(library: Library) -> None:
    """12 decisions (6 retrieval papers kept, 6 vision papers dismissed) and an Inbox."""
    rng = random.Random(7)
    dpr = paper(1, RETRIEVAL, Status.READ, rng, title="Dense Passage Retrieval for QA")
    library.add(dpr)
    for n in range(2, 7):
        library.add(paper(n, RETRIEVAL, Status.UNREAD, rng))
    for n in range(10, 16):
        library.add(paper(n, VISION, Status.NEW, rng))
        library.dismiss(f"2612.{n:05d}")
    # The Inbox, in arrival order: vision, retrieval, vision, retrieval …
    for n in range(20, 26):
        topic = VISION if n % 2 == 0 else RETRIEVAL
        library.add(paper(n, topic, Status.NEW, rng))


def test_the_inbox_is_sorted_by_likely_to_keep_with_the_why(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    decided_library(library)
    window = make_window()
    feeds = feature(window, FeedsFeature)
    wait_scanned(qtbot, feeds, lambda: feeds.ranking_active)
    action = window.action_table["sort_inbox_likely"]
    assert action.isChecked()  # 12 decisions: the default
    window.sidebar.select_node(INBOX_ID)
    retrieval = {"2612.00021", "2612.00023", "2612.00025"}
    qtbot.waitUntil(lambda: set(rows(window)[:3]) == retrieval, timeout=WAIT_MS)
    assert window.select_key(rows(window)[0])
    qtbot.waitUntil(lambda: feeds.panel.likely.text().startswith("Likely to keep: "))
    assert "that you kept; words: " in feeds.panel.likely.text()
    # Unticked: arrival order (newest first, as the list's default order), remembered.
    action.trigger()
    qtbot.waitUntil(lambda: set(rows(window)[:3]) != retrieval, timeout=WAIT_MS)
    assert window.state.value("inbox/likely") == "off"


def test_fewer_than_ten_decisions_keep_arrival_order(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    rng = random.Random(3)
    library.add(paper(1, RETRIEVAL, Status.UNREAD, rng))
    library.add(paper(2, VISION, Status.NEW, rng))
    library.dismiss("2612.00002")
    library.add(paper(3, VISION, Status.NEW, rng))
    window = make_window()
    feeds = feature(window, FeedsFeature)
    wait_scanned(qtbot, feeds, lambda: bool(feeds.scan.scores))
    assert not feeds.ranking_active and not window.action_table["sort_inbox_likely"].isChecked()


def test_the_panel_shows_where_a_paper_was_published_and_related_papers(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    rng = random.Random(5)
    library.add(
        paper(
            1,
            RETRIEVAL,
            Status.UNREAD,
            rng,
            title="Dense passage retrieval",
            journal_ref="Proc. EMNLP 2020, 6769-6781",
            doi="10.18653/v1/2020.emnlp-main.550",
            published_found="2026-12-01T00:00:00Z",
        )
    )
    library.add(paper(2, RETRIEVAL, Status.UNREAD, rng, title="Dense passage retrieval, again"))
    library.add(paper(3, VISION, Status.UNREAD, rng, title="Camera pixels"))
    window = make_window()
    feeds = feature(window, FeedsFeature)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    assert window.select_key("2612.00001")
    qtbot.waitUntil(lambda: feeds.panel.related.rowCount() > 0, timeout=WAIT_MS)
    text = feeds.panel.published.text()
    assert text.startswith("Published: Proc. EMNLP 2020, 6769-6781 (<a href=")
    assert "https://doi.org/10.18653/v1/2020.emnlp-main.550" in text
    related = feeds.panel.related
    assert related.index(0, 0).data(RelatedModel.KeyRole) == "2612.00002"
    feeds.panel.list.clicked.emit(related.index(0, 0))
    qtbot.waitUntil(lambda: window.detail.key == "2612.00002", timeout=WAIT_MS)
    # The "Published since added" view holds the first paper.
    wait_scanned(qtbot, feeds, lambda: window.sidebar_model.find(PUBLISHED_ID).count == 1)  # type: ignore[union-attr]
    window.sidebar.select_node(PUBLISHED_ID)
    qtbot.waitUntil(lambda: rows(window) == ["2612.00001"], timeout=WAIT_MS)


def test_the_dialog_follows_and_unfollows_feeds(
    qtbot: QtBot, make_window: Factory, library: Library
) -> None:
    window = make_window()
    feeds = feature(window, FeedsFeature)
    dialog = feeds.show_dialog()
    dialog.spec.setText("retrieval augmented")
    dialog.add_button.click()
    assert "not an arXiv category" in dialog.problem.text()
    dialog.spec.setText("cs.IR")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT_MS)
    assert [f.name for f in specs.load(library)] == ["cs.IR"]
    # Its first fetch waits for the network.
    qtbot.waitUntil(lambda: bool(specs.load(library)[0].queued), timeout=WAIT_MS)
    dialog.table.selectRow(0)
    dialog.remove_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=WAIT_MS)
    dialog.every.setValue(0)
    dialog.accept()
    assert window.settings.feeds_every_h == 0


def test_the_models_pass_the_model_tester(qtmodeltester: Any, qtbot: QtBot) -> None:
    feeds = FeedsModel()
    feeds.set_feeds(
        [specs.Feed("cs.IR", "cat:cs.IR", fetched="2026-12-01T00:00:00Z")], {"cs.IR": 2}
    )
    qtmodeltester.check(feeds)
    assert feeds.index(0, 2).data() == "2" and feeds.index(0, 3).data() == "2026-12-01"
    related = RelatedModel()
    summary = PaperSummary(
        key="2612.00001",
        arxiv_id="2612.00001",
        title="A title",
        authors=("A", "B", "C", "D"),
        year=2026,
        status="unread",
        tags=(),
        added="2026-12-01T00:00:00Z",
        rating=0,
        pdf_state="none",
        has_notes=False,
        last_page=0,
        page_count=None,
    )
    related.set_hits([Hit(summary, 1.0)])
    qtmodeltester.check(related)
    assert related.index(0, 0).data() == "A title"
    assert related.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "A title\nA, B, C et al. (2026)"


def test_published_text_leaves_out_arxivs_own_doi() -> None:
    assert published_text(Paper(key="x", doi="10.48550/arXiv.2612.00001")) == ""
    assert published_text(Paper(key="x", journal_ref="Nature 1, 2-3")) == "Published: Nature 1, 2-3"


@pytest.mark.usefixtures("qtbot")
def test_the_dialog_edits_the_schedule() -> None:
    from desktop_app.core.settings import Settings

    dialog = FeedsDialog(Settings(feeds_every_h=24, feeds_first_days=7))
    assert dialog.schedule() == (24, 7)
    dialog.every.setValue(6)
    assert dialog.schedule() == (6, 7)


def test_a_slow_scan_of_the_library_never_holds_the_list_back(
    qtbot: QtBot, make_window: Factory, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading every paper.json takes seconds at 10,000 papers: it once ran in the read lane
    # ahead of the list's first search, and after each triage ahead of the next one.
    rng = random.Random(5)
    for n in range(3):
        library.add(paper(n, RETRIEVAL, Status.UNREAD, rng))
    release = threading.Event()
    scanned: list[str] = []

    def slow_scan(lib: Library, cache: Any) -> Any:
        release.wait(timeout=WAIT_MS / 1000)  # as long as the list takes to come
        scanned.append("done")
        return real_scan(lib, cache)

    real_scan = feeds_module.scan_library
    monkeypatch.setattr(feeds_module, "scan_library", slow_scan)
    window = make_window()  # (waits for the index)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    window.search.set_text("dense")
    qtbot.waitUntil(lambda: "match" in window.count_label.text(), timeout=WAIT_MS)
    assert not scanned  # the scan waits still: the list and the query did not wait for it
    release.set()
    qtbot.waitUntil(lambda: bool(scanned), timeout=WAIT_MS)


def test_the_scan_runs_with_the_collector_paused(library: Library) -> None:
    """The scan reads every paper (10,000 ``Paper``s at 10,000 papers, made after the
    window's objects were frozen): their allocations set off collections over themselves,
    a full pass of ~50 ms of the GIL when the window had settled. None runs meanwhile now,
    only once it ends (collections made likely here: a low threshold, the test process's
    objects left out)."""
    decided_library(library)
    with collections_within("scan_library") as ran_in:
        scan = feeds_module.scan_library(library, ranking.TermCache())
    assert scan.decisions >= 10 and scan.scores  # (a scan that trained the ranking)
    assert set(ran_in) <= {"__exit__"}  # (once, as the pause ends)
