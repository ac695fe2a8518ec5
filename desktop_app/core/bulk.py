"""Bulk operations over many papers at once, each undone as one step.

Every operation (set status, add or remove a tag, move to the trash) goes through the
library paper by paper, so each write is atomic and locked as usual, and returns a
:class:`BulkResult` whose :class:`UndoRecord` restores all of it with one :meth:`~UndoRecord.undo`.

Undo is a three-way restore: for each field the operation changed, the value before is put
back only where the field still holds the value the operation wrote. A change made meanwhile
by someone else (another field, or the same field set again from the CLI or another machine)
is kept. A status and its dates go back together or not at all (:data:`TOGETHER`), so an
undo never makes a state the app could not make itself, such as Reading without a start.

Operations run in a worker thread in the GUI: they report ``progress(done, total)`` and stop
between two papers when ``should_stop()`` turns true; what was done by then is in the result
and in its undo record. ``written(keys)`` hears the papers written as the operation goes,
every :data:`WRITTEN_EVERY` papers and at the end, so a window indexes and shows a change
of 1,000 papers as it is written, not after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any, TypedDict, TypeVar, Unpack

from desktop_app.core.errors import InvalidValue, PapershelfError
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status, normalize_tag
from desktop_app.core.pdf.text import cache_path, file_sha256
from desktop_app.core.progress import Progress
from desktop_app.core.search.api import SearchIndex
from desktop_app.core.words import plural

log = logging.getLogger(__name__)

ShouldStop = Callable[[], bool]
#: Told the papers written so far, as an operation goes (the GUI indexes and shows them).
Written = Callable[[list[str]], None]
#: How many papers an operation writes between two calls of its ``written``: the search
#: index's batch, so indexing as it goes costs what indexing at the end does (1,271 papers
#: of 10,000: 12.1 s in batches of 250, 11.7 s in one call, 21.5 s in batches of 100).
WRITTEN_EVERY = 250
_T = TypeVar("_T")


@dataclass(frozen=True)
class RecordChange:
    """One paper.json as it was before and after an operation (as JSON objects)."""

    key: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class UndoRecord:
    """What one bulk step changed, enough to take all of it back."""

    description: str
    changes: list[RecordChange] = field(default_factory=list)
    trashed: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.changes] + list(self.trashed)

    def __bool__(self) -> bool:
        return bool(self.changes or self.trashed)

    def undo(
        self,
        library: Library,
        progress: Progress | None = None,
        should_stop: ShouldStop | None = None,
        written: Written | None = None,
    ) -> BulkResult:
        """Restore every paper this step changed or trashed; errors are collected, not raised.

        A step no longer possible is skipped (:attr:`BulkResult.skipped`): a paper restored
        from the trash meanwhile, or one no longer in the library to change back.
        """
        result = BulkResult(UndoRecord(f"Undo: {self.description}"))
        steps: list[tuple[str, Callable[[], object]]] = []
        for key in self.trashed:
            if library.in_trash(key):
                steps.append((key, partial(library.restore, key)))
            else:
                result.skipped.append(key)
        for c in reversed(self.changes):
            if library.exists(c.key):
                steps.append((c.key, partial(library.update, c.key, _restorer(c))))
            else:
                result.skipped.append(c.key)
        for key, step in _each(steps, result, progress, should_stop, written):
            try:
                step()
                result.done.append(key)
            except PapershelfError as e:
                result.errors.append(e)
        return result


@dataclass
class BulkResult:
    """The papers an operation changed, the errors met (one per paper), and its undo record."""

    undo: UndoRecord
    done: list[str] = field(default_factory=list)
    errors: list[PapershelfError] = field(default_factory=list)
    cancelled: bool = False
    #: Papers an undo left alone: its step was no longer possible (restored meanwhile).
    skipped: list[str] = field(default_factory=list)


def _restorer(change: RecordChange) -> Callable[[Paper], None]:
    return lambda paper: _restore(paper, change)


#: Fields restored together or not at all: a status and its dates are one state (Reading
#: has a start date, Read a finish date), so undo never mixes an old status with new dates.
TOGETHER = (frozenset({"status", "status_changed", "started", "finished"}),)


def _restore(paper: Paper, change: RecordChange) -> None:
    now = paper.to_dict()
    restored = dict(now)
    names = set(change.before) | set(change.after)
    groups = [g & names for g in TOGETHER] + [{n} for n in names - set().union(*TOGETHER)]
    for group in groups:
        if all(change.before.get(n) == change.after.get(n) for n in group):
            continue
        if any(now.get(n) != change.after.get(n) for n in group):
            continue  # changed again since: that newer change stays
        for name in group:
            if name in change.before:
                restored[name] = change.before[name]
            else:
                restored.pop(name, None)
    _assign(paper, Paper.from_dict(restored))


def _assign(paper: Paper, source: Paper) -> None:
    for f in fields(Paper):
        if f.name != "key":
            setattr(paper, f.name, getattr(source, f.name))


def _each(
    items: Sequence[_T],
    result: BulkResult,
    progress: Progress | None,
    should_stop: ShouldStop | None,
    written: Written | None = None,
) -> Iterator[_T]:
    """The items one by one, reporting progress after each; stops (cancelled) when asked.
    ``written`` hears the papers done every :data:`WRITTEN_EVERY` and at the end."""
    told = 0

    def tell() -> None:
        nonlocal told
        if written is not None and len(result.done) > told:
            written(result.done[told:])
            told = len(result.done)

    try:
        for i, item in enumerate(items):
            if should_stop and should_stop():
                result.cancelled = True
                return
            yield item
            if len(result.done) - told >= WRITTEN_EVERY:
                tell()
            if progress:
                progress(i + 1, len(items))
    finally:
        tell()


def apply(
    library: Library,
    keys: Iterable[str],
    change: Callable[[Paper], Any],
    description: str,
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    written: Written | None = None,
) -> BulkResult:
    """Apply ``change`` to each paper of ``keys`` (through :meth:`Library.update`)."""
    keys = list(dict.fromkeys(keys))
    result = BulkResult(UndoRecord(description))
    for key in _each(keys, result, progress, should_stop, written):
        captured: dict[str, dict[str, Any]] = {}

        def recording(paper: Paper, captured: dict[str, dict[str, Any]] = captured) -> None:
            captured["before"] = paper.to_dict()
            change(paper)
            captured["after"] = paper.to_dict()

        try:
            library.update(key, recording)
        except PapershelfError as e:
            result.errors.append(e)
        else:
            result.done.append(key)
            if captured.get("before") != captured.get("after"):
                result.undo.changes.append(RecordChange(key, captured["before"], captured["after"]))
    return result


class Options(TypedDict, total=False):
    """What every bulk operation takes besides the library and the keys."""

    progress: Progress | None
    should_stop: ShouldStop | None
    written: Written | None


#: A change to apply to each paper, and how the undo step is named.
Operation = tuple[Callable[[Paper], Any], str]


def status_operation(status: Status | str, count: int) -> Operation:
    """Set one status (``Mark 2 papers read``; the status ``new`` reads ``inbox``)."""
    st = status if isinstance(status, Status) else Status.parse(status)
    label = "inbox" if st is Status.NEW else st.value
    return (lambda p: p.set_status(st)), f"Mark {plural(count, 'paper')} {label}"


def tag_operation(tag: str, count: int, *, remove: bool = False) -> Operation:
    """Add (or remove) one tag. Raises InvalidValue for an empty tag."""
    clean = normalize_tag(tag)
    if not clean:
        raise InvalidValue(f"tag {tag!r} is empty")
    if remove:
        return (
            lambda p: p.remove_tags([clean])
        ), f"Remove the tag “{clean}” from {plural(count, 'paper')}"
    return (lambda p: p.add_tags([clean])), f"Tag {plural(count, 'paper')} “{clean}”"


def set_status(
    library: Library, keys: Iterable[str], status: Status | str, **options: Unpack[Options]
) -> BulkResult:
    keys = list(keys)
    return apply(library, keys, *status_operation(status, len(keys)), **options)


def add_tag(
    library: Library, keys: Iterable[str], tag: str, **options: Unpack[Options]
) -> BulkResult:
    keys = list(keys)
    return apply(library, keys, *tag_operation(tag, len(keys)), **options)


def remove_tag(
    library: Library, keys: Iterable[str], tag: str, **options: Unpack[Options]
) -> BulkResult:
    keys = list(keys)
    return apply(library, keys, *tag_operation(tag, len(keys), remove=True), **options)


def delete(
    library: Library,
    keys: Iterable[str],
    *,
    dismissed: bool = False,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    written: Written | None = None,
) -> BulkResult:
    """Move papers to the trash (``dismissed``: from the inbox, for good); undo restores them."""
    keys = list(dict.fromkeys(keys))
    n = plural(len(keys), "paper")
    result = BulkResult(UndoRecord(f"Dismiss {n}" if dismissed else f"Move {n} to the trash"))
    for key in _each(keys, result, progress, should_stop, written):
        try:
            result.undo.trashed.append(library.delete(key, dismissed=dismissed))
            result.done.append(key)
        except PapershelfError as e:
            result.errors.append(e)
    return result


def reextract_text(
    library: Library,
    index: SearchIndex,
    keys: Iterable[str],
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> BulkResult:
    """Extract the text of these papers' PDFs again and re-index it.

    The cached text of each PDF is dropped and the paper is indexed afresh (for a PDF whose
    extraction failed or timed out before, or after an extractor update). Papers without a
    PDF are skipped. Nothing to undo: the library's files are not touched.
    """
    keys = list(dict.fromkeys(keys))
    result = BulkResult(UndoRecord(f"Extract the text of {plural(len(keys), 'paper')} again"))
    for key in _each(keys, result, progress, should_stop):
        try:
            pdf = library.pdf_path(library.get(key))
            if pdf is not None:
                try:
                    cache_path(file_sha256(pdf)).unlink(missing_ok=True)
                except OSError as e:
                    log.warning("%s: cached text not removed: %s", pdf, e)
                index.delete(key)  # forgets the PDF's fingerprint, so update() extracts
                index.update(key)
                result.done.append(key)
        except PapershelfError as e:
            result.errors.append(e)
    return result
