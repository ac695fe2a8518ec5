"""The daily feed in the window: followed feeds in the sidebar, fetched on a schedule through the
fetch queue, the Inbox ranked by "Likely to keep", and a panel on the current paper (why it
ranks where it does, where it was published, the papers of the library most like it).

- **Feeds** (a sidebar section after the Inbox): each followed feed with the number of its
  papers waiting in the Inbox; selecting one lists them. Edit → Followed Feeds… adds and
  removes feeds and sets how often they are fetched (``Settings.feeds_every_h``: once a day by
  default, while the app is open and online; 0 fetches only on demand). File → Fetch Feeds
  (F5) fetches them now. A fetch marks the feeds queued in feeds.json and asks the bridge to
  drain the fetch queue: the feeds run in the network lane after the papers' own fetches,
  offline they wait, and nothing else of the window waits on them.
- **Likely to keep** (View → Sort Inbox by Likely to Keep): the Inbox in the order of a model
  of the reader's decisions (core/feeds/ranking.py), retrained in the background a moment after
  each triage. It is the Inbox's order by default once there are
  :data:`~desktop_app.core.feeds.ranking.MIN_DECISIONS` decisions; unticking it keeps arrival
  order (remembered).
- **Published since added** (a Library view): papers for which arXiv reported a DOI or a
  journal reference after they were added (``check-updates``, a feed fetch).
- **The paper panel** ("Related in your library", beside the list): for the current paper,
  its chance of being kept and why, "Published: <journal ref> (DOI link)", and the 5 papers
  of the library most like it (the index's more-like-this); clicking one selects it.

The feature reads the library and trains in the background (one scan at a time; a change
that arrives meanwhile runs another after it) and keeps only plain results in the UI thread.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QTimer

from desktop_app.core.errors import DamagedFile, PapershelfError
from desktop_app.core.feeds import fetching, ranking, specs
from desktop_app.core.feeds.fetching import FeedReport
from desktop_app.core.feeds.specs import Feed
from desktop_app.core.library import Library
from desktop_app.core.memory import gc_paused
from desktop_app.core.paper import Paper, Status
from desktop_app.core.search.api import PaperSummary
from desktop_app.core.words import plural
from desktop_app.gui.features.feeds_widgets import FeedsDialog, PaperPanel
from desktop_app.gui.features.host import Host
from desktop_app.gui.tasks import Lane, TaskControl
from desktop_app.gui.widgets.sidebar_model import INBOX_ID, NodeKind, SidebarNode

log = logging.getLogger(__name__)

FEEDS_SECTION = "section:feeds"
PUBLISHED_ID = "view:published"
#: A change is followed by a scan (counts, ranking) this much later: triage comes in bursts.
SCAN_DELAY_MS = 600
#: How often the schedule is looked at (a feed is due once ``feeds_every_h`` passed).
SCHEDULE_CHECK_MS = 10 * 60 * 1000
#: The first scan waits for the list's first search after the start-up sync of the index
#: (it would slow that search down), or this long when none comes (the sync cancelled).
FIRST_SCAN_LATEST_MS = 30_000
#: Papers explained per scan (the most likely first; the rest are explained on demand).
EXPLAINED = 300
STATE_KEY = "inbox/likely"  # "auto" (by the number of decisions), "on" or "off"


@dataclass(frozen=True)
class Scan:
    """What a background scan of the library found (plain data for the UI thread)."""

    feeds: list[Feed]
    members: dict[str, frozenset[str]]  # feed name -> its papers in the Inbox
    published: frozenset[str]
    scores: dict[str, float] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    decisions: int = 0
    problem: str = ""
    model: ranking.Model | None = None


def scan_library(library: Library, cache: ranking.TermCache) -> Scan:
    """Read the feeds, the papers and the decisions; train the ranking (in a worker).

    With the collector paused (:func:`gc_paused`): every paper read (10,000 ``Paper``s and
    their lists, made after the window's objects were frozen) set off a full pass over
    them in the scan, ~50 ms of the GIL once the window had settled, when a first open's
    full-text phase starts."""
    with gc_paused():
        return _scanned(library, cache)


def _scanned(library: Library, cache: ranking.TermCache) -> Scan:
    problem = ""
    try:
        feeds = specs.load(library)
    except DamagedFile as e:
        feeds, problem = [], str(e)
    papers = library.papers()
    inbox = sorted((p for p in papers if p.status is Status.NEW), key=lambda p: p.added)
    members = {f.name: frozenset(p.key for p in inbox if f.name in p.feeds) for f in feeds}
    published = frozenset(p.key for p in papers if p.published_found)
    found = ranking.decisions(library, papers)
    model = ranking.train(found, inbox, cache)
    scores: dict[str, float] = {}
    why: dict[str, str] = {}
    if model is not None:
        scores = {p.key: model.score(p) for p in inbox}
        top = sorted(inbox, key=lambda p: -scores[p.key])[:EXPLAINED]
        why = {p.key: model.explain(p) for p in top}
    return Scan(feeds, members, published, scores, why, found.count, problem, model)


class FeedsFeature(QObject):
    """See the module docstring."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.host = host
        self.scan = Scan([], {}, frozenset())
        self._cache = ranking.TermCache()
        self._scanning = False
        self._again = False
        self.scans = 0  # scans done (for tests and the benchmarks)
        mode = host.state.value(STATE_KEY, "auto")
        self.mode = mode if mode in ("auto", "on", "off") else "auto"
        self.dialog: FeedsDialog | None = None

        self._scan_timer = QTimer(self)
        self._scan_timer.setSingleShot(True)
        self._scan_timer.setInterval(SCAN_DELAY_MS)
        self._scan_timer.timeout.connect(self.rescan)
        self._schedule = QTimer(self)
        self._schedule.setInterval(SCHEDULE_CHECK_MS)
        self._schedule.timeout.connect(self.fetch_due)
        self._schedule.start()

        self.likely_action = host.on_action("sort_inbox_likely", self._likely_toggled)
        host.on_action("fetch_feeds", self.fetch_now)
        host.on_action("feeds", self.show_dialog)

        self.published_node = SidebarNode(
            PUBLISHED_ID,
            # A view of the Library section; counted here, not by the window.
            kind=NodeKind.VIEW,
            label="Published since added",
            icon="pdf-done",
            row_filter=lambda s: s.key in self.scan.published,
            tooltip="Papers arXiv now gives a DOI or journal reference for",
        )
        if host.sidebar is not None:
            host.sidebar.add_view("section:library", self.published_node)

        self.panel = PaperPanel()
        self.panel.paper_clicked.connect(host.select_paper)
        self.panel.link_clicked.connect(host.open_url)
        host.add_panel("related", "Related in Your Library", self.panel)
        host.current_changed.connect(self.show_current)

        b = host.bridge
        b.papers_changed.connect(self._changed)
        b.papers_removed.connect(self._changed)
        b.fetches.feeds_fetched.connect(self._feeds_fetched)
        b.index_ready.connect(self.show_current)
        # Reading every paper.json takes ~2 s at 10,000 papers: not before the first list.
        self._started = False
        b.start_up.settled.connect(self._start)  # the start-up sync done and the first list shown
        self._first_scan = QTimer(self, singleShot=True, interval=FIRST_SCAN_LATEST_MS)
        self._first_scan.timeout.connect(self._start)  # (stops with the feature)
        self._first_scan.start()

    # -- scanning ----------------------------------------------------------------------------

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        self._first_scan.stop()
        self.host.bridge.start_up.settled.disconnect(self._start)
        self.rescan()
        QTimer.singleShot(2000, self.fetch_due)

    def _changed(self, keys: list[str]) -> None:
        self._scan_timer.start()

    def rescan(self) -> None:
        """Read the feeds and the papers again and retrain, beside the downloads: in the
        read lane, every search (the list after a triage, a query typed) would wait for it,
        ~2 s at 10,000 papers."""
        if self._scanning:
            self._again = True
            return
        self._scanning, self._again = True, False
        library, cache = self.host.library, self._cache

        def work(control: TaskControl) -> Scan:
            return scan_library(library, cache)

        self.host.bridge.run_task(
            work, lane=Lane.NETWORK, on_done=self._scanned, on_error=self._scan_failed
        )

    def _scan_failed(self, error: BaseException, tb: str) -> None:
        self._scanning = False
        log.error("reading the feeds failed: %s\n%s", error, tb)
        self.host.show_error(f"Reading the feeds failed: {error}", tb)

    def _scanned(self, scan: Scan) -> None:
        self._scanning = False
        self.scans += 1
        old_problem = self.scan.problem
        self.scan = scan
        if scan.problem and scan.problem != old_problem:
            self.host.show_error(scan.problem)
        self._show_sidebar()
        self._show_ranking()
        if self.dialog is not None:
            self.dialog.set_feeds(scan.feeds, {n: len(k) for n, k in scan.members.items()})
        self.show_current()
        if self._again:
            self.rescan()

    # -- the sidebar -------------------------------------------------------------------------

    def _show_sidebar(self) -> None:
        sidebar = self.host.sidebar
        if sidebar is None:
            return
        nodes = []
        for feed in self.scan.feeds:
            name = feed.name
            node = SidebarNode(
                f"feed:{name.casefold()}",
                NodeKind.VIEW,
                name,
                "inbox",
                row_filter=self._feed_filter(name),
                tooltip=f"{feed.query} · "
                + (f"fetched {feed.fetched[:10]}" if feed.fetched else "not fetched yet")
                + (" · queued" if feed.queued else ""),
            )
            node.row_order = self._order
            nodes.append(node)
        sidebar.set_section(FEEDS_SECTION, "Feeds", nodes)
        counts: dict[str, int | None] = {
            f"feed:{n.casefold()}": len(k) for n, k in self.scan.members.items()
        }
        counts[PUBLISHED_ID] = len(self.scan.published)
        sidebar.set_node_counts(counts)

    def _feed_filter(self, name: str) -> Callable[[PaperSummary], bool]:
        """The rows of a feed's view: its papers waiting in the Inbox."""
        return lambda s: s.status == "new" and s.key in self.scan.members.get(name, ())

    # -- likely to keep ----------------------------------------------------------------------

    @property
    def ranking_active(self) -> bool:
        """Whether the Inbox is shown by "Likely to keep"."""
        if not self.scan.scores:
            return False
        if self.mode == "auto":
            return self.scan.decisions >= ranking.MIN_DECISIONS
        return self.mode == "on"

    def _likely_toggled(self) -> None:
        self.mode = "on" if self.likely_action.isChecked() else "off"
        self.host.state.setValue(STATE_KEY, self.mode)
        self._show_ranking()

    def _show_ranking(self) -> None:
        active = self.ranking_active
        self.likely_action.blockSignals(True)
        self.likely_action.setChecked(active)
        self.likely_action.blockSignals(False)
        self.likely_action.setEnabled(bool(self.scan.scores))
        sidebar = self.host.sidebar
        inbox = sidebar.find(INBOX_ID) if sidebar is not None else None
        if inbox is not None:
            was_ranked = inbox.row_order is not None
            inbox.row_order = self._order if active else None
            inbox.tooltip = (
                f"Sorted by likely to keep, learned from {plural(self.scan.decisions, 'decision')}"
                if active
                else ""
            )
            # The Inbox's order changes only where it is (or was) ranked: a library without
            # enough decisions is not searched again after every scan (at 10,000 papers a
            # search and a list of them in the window, at the end of the first scan).
            if active or was_ranked:
                self.host.refresh()

    def _order(self, rows: list[PaperSummary]) -> list[PaperSummary]:
        if not self.ranking_active:
            return rows
        scores = self.scan.scores
        return sorted(rows, key=lambda s: -scores.get(s.key, -1.0))

    def why(self, key: str) -> str:
        """The why-line of a paper in the Inbox ("" when it is not ranked)."""
        if key in self.scan.why:
            return self.scan.why[key]
        model = self.scan.model
        if model is None or key not in self.scan.scores:
            return ""
        try:
            return model.explain(self.host.library.get(key))
        except PapershelfError:  # removed meanwhile: no explanation
            return ""

    # -- the paper panel ---------------------------------------------------------------------

    def show_current(self) -> None:
        keys = self.host.selected_keys()
        key = keys[0] if len(keys) == 1 else None
        if key is None:
            self.panel.show_paper(None)
            return
        try:
            paper: Paper | None = self.host.library.get(key)
        except PapershelfError:  # removed meanwhile
            paper = None
        score = self.scan.scores.get(key)
        self.panel.show_paper(paper, score, self.why(key) if score is not None else "")
        if not self.host.bridge.index_is_ready:
            return  # asked again when it is (a rebuild holds the index meanwhile)
        index = self.host.bridge.index

        def work(control: TaskControl) -> list[Any]:
            return list(index.more_like_this(key, limit=5))

        self.host.bridge.run_task(
            work,
            lane=Lane.READ,
            on_done=partial(self.panel.show_related, key),
            on_error=lambda e, tb: log.info("no related papers for %s: %s", key, e),
        )

    # -- fetching ----------------------------------------------------------------------------

    def fetch_now(self, names: list[str] | None = None) -> None:
        """Queue the feeds (all, or ``names``) and drain the fetch queue (unless offline)."""
        host = self.host
        if not self.scan.feeds and not names:
            host.show_info("No feeds are followed: Edit → Followed Feeds… adds one.")
            return
        library, bridge = host.library, host.bridge

        def queued(result: list[str]) -> None:
            if bridge.settings.offline:
                host.show_info(
                    f"Offline: {plural(len(result), 'feed')} queued; fetched when online."
                )
            bridge.start_fetching()
            self._scan_timer.start()

        bridge.run("Queueing the feeds", lambda: fetching.queue(library, names), queued)

    def fetch_due(self) -> None:
        """Fetch the feeds whose time has come (``Settings.feeds_every_h``), when online."""
        settings = self.host.settings
        if settings.offline:
            return
        now = dt.datetime.now(dt.UTC)
        due = fetching.due(self.scan.feeds, settings.feeds_every_h, now)
        if due:
            self.fetch_now(due)
        elif any(f.queued for f in self.scan.feeds):
            self.host.bridge.start_fetching()

    def _feeds_fetched(self, report: FeedReport) -> None:
        added = report.added
        names = ", ".join(r.name for r in report.feeds)
        if added:
            self.host.show_info(f"{plural(len(added), 'new paper')} from {names} in the Inbox.")
        self._scan_timer.start()

    # -- the dialog --------------------------------------------------------------------------

    def show_dialog(self) -> FeedsDialog:
        host = self.host
        dialog = FeedsDialog(host.settings, parent=host.widget)
        dialog.set_feeds(self.scan.feeds, {n: len(k) for n, k in self.scan.members.items()})
        dialog.add_requested.connect(self._add)
        dialog.remove_requested.connect(self._remove)
        dialog.fetch_requested.connect(lambda: self.fetch_now())
        dialog.accepted.connect(lambda: self._save_schedule(dialog))
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _add(self, spec: str, name: str) -> None:
        library = self.host.library

        def added(feed: Feed) -> None:
            self.rescan()
            self.fetch_now([feed.name])

        self.host.bridge.run(
            "Following the feed", lambda: specs.add(library, spec, name or None), added
        )

    def _remove(self, name: str) -> None:
        library = self.host.library
        self.host.bridge.run(
            "Removing the feed", lambda: specs.remove(library, name), lambda _f: self.rescan()
        )

    def _save_schedule(self, dialog: FeedsDialog) -> None:
        settings = self.host.settings
        every, first = dialog.schedule()
        if (every, first) == (settings.feeds_every_h, settings.feeds_first_days):
            return
        settings.feeds_every_h, settings.feeds_first_days = every, first
        self.host.bridge.run("Saving the preferences", lambda: settings.save())
