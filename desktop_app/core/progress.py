"""The one progress callback type of long jobs (imports, rebuilds, bulk changes, fetches)."""

from __future__ import annotations

from collections.abc import Callable

#: Called with (items done, items in all).
Progress = Callable[[int, int], None]
#: Called with (bytes done, bytes in all or None when the size is not known).
ByteProgress = Callable[[int, int | None], None]
