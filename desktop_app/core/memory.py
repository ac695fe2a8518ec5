"""The garbage collector paused around work that makes many objects and no cyclic garbage
(a search, the decoding of every record, a full-text batch's commit, the feeds' scan of
every paper): its collections, set off every few hundred new objects, walked them again and
again, and now and then made a full pass over every object in memory, holding the GIL
meanwhile (the UI thread's longest stalls with 10,000 papers)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

#: The calls under way that paused the collector (:func:`gc_paused`), and whether it ran
#: before the first of them.
_pausing = 0
_resume = False
_pausing_lock = threading.Lock()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection meanwhile: a search makes thousands of small objects (a hit
    per paper), each few hundred of which start a collection, and now and then a full one
    over every record in memory (tens of ms with 10,000 papers). Nothing made here is
    cyclic garbage, and the collector runs as usual afterwards: when the last of the calls
    that paused it at once ends (a search in one thread, a full-text batch's commit in
    another), as it ran before the first began."""
    global _pausing, _resume
    with _pausing_lock:
        if not _pausing:
            _resume = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _pausing_lock:
            _pausing -= 1
            if not _pausing and _resume:
                gc.enable()
