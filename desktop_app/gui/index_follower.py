"""Following the library with the search index: which papers wait to be indexed, and whether
the index can be searched yet.

The index is made with ``observe=False``; the :class:`ChangeCollector` observes the library
instead and collects the keys of papers changed or removed, from any thread (the fetcher
writes in the network lane). :class:`IndexFollower` keeps the states:

- *searchable*: an index (maybe one of an older version) can be searched before the start-up
  sync is done, so the list is shown from it meanwhile;
- *ready*: the start-up sync is done;
- *update queued*: one write-lane task updates the index for every key collected; changes
  arriving while it runs wait for the next one.

The bridge runs the tasks (the only door to background work) and emits the signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from desktop_app.core.library import Library
from desktop_app.core.search.api import SearchIndex, SyncReport


class ChangeCollector:
    """A library observer that collects changed keys from any thread."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._changed: set[str] = set()
        self._removed: set[str] = set()
        self._notify = changed

    def paper_changed(self, library: Library, key: str) -> None:
        with self._lock:
            self._removed.discard(key)
            self._changed.add(key)
        self._notify()

    def paper_removed(self, library: Library, key: str) -> None:
        with self._lock:
            self._changed.discard(key)
            self._removed.add(key)
        self._notify()

    def papers_changed(self, library: Library, changed: list[str], removed: list[str]) -> None:
        """Many changes at once (an import): one notice."""
        with self._lock:
            self._removed.difference_update(changed)
            self._changed.update(changed)
            self._changed.difference_update(removed)
            self._removed.update(removed)
        self._notify()

    def discard(self, keys: Iterable[str]) -> None:
        """Forget these keys (indexed by other means)."""
        with self._lock:
            self._changed.difference_update(keys)
            self._removed.difference_update(keys)

    def take(self) -> tuple[list[str], list[str]]:
        with self._lock:
            changed, removed = sorted(self._changed), sorted(self._removed)
            self._changed.clear()
            self._removed.clear()
        return changed, removed

    @property
    def pending(self) -> bool:
        with self._lock:
            return bool(self._changed or self._removed)


class IndexFollower:
    """The states of following the library (see the module docstring)."""

    def __init__(self, library: Library, index: SearchIndex, notify: Callable[[], None]) -> None:
        """``notify`` is called (from any thread) when a paper changed."""
        self.library = library
        self.index = index
        self.collector = ChangeCollector(notify)
        library.observers.append(self.collector)
        self.ready = False
        self.searchable = False
        self._update_queued = False

    def close(self) -> None:
        """Stop observing the library."""
        if self.collector in self.library.observers:
            self.library.observers.remove(self.collector)

    def want_update(self) -> bool:
        """Whether an index update should be queued now (one is queued from here on)."""
        if self._update_queued or not self.collector.pending:
            return False
        self._update_queued = True
        return True

    def changed_elsewhere(self, keys: Iterable[str]) -> None:
        """Papers another program wrote or removed: index them like this process's own."""
        for key in keys:
            self.collector.paper_changed(self.library, key)

    def index_now(self, keys: list[str]) -> tuple[list[str], list[str]]:
        """The worker's side, for papers a bulk change wrote so far: index them now rather
        than after the change (taken out of what was collected first, so a change made
        meanwhile is collected again); returns (changed, removed)."""
        self.collector.discard(keys)
        self.index.update_many(keys)
        changed = [k for k in keys if self.library.paper_dir(k).is_dir()]
        gone = set(keys) - set(changed)
        return changed, [k for k in keys if k in gone]

    def update(self) -> tuple[list[str], list[str]]:
        """The worker's side: index what was collected; returns (changed, removed)."""
        changed, removed = self.collector.take()
        # A whole import in a few commits, not one each.
        self.index.update_many(removed + changed)
        # A paper another program removed was reported as changed (its journal says which
        # papers, not what happened to them): the views hear it is gone.
        gone = [k for k in changed if not self.library.paper_dir(k).is_dir()]
        if gone:
            changed = [k for k in changed if k not in set(gone)]
            removed = sorted({*removed, *gone})
        return changed, removed

    def update_ended(self) -> None:
        """The queued update finished or failed."""
        self._update_queued = False


def rebuild_note(report: SyncReport | None) -> str | None:
    """What to say about a start-up sync that rebuilt the index (None: nothing to say)."""
    if report is not None and report.rebuilt_for_a_reason:
        return f"The search index was rebuilt ({report.reason})."
    return None
