"""Everything that touches Whoosh: the index facade and what it is built from.

Whoosh is imported here first, without three modules it loads for nothing the index
uses, which take half of its import time (~45 ms of every ``papershelf search``):
``whoosh.compat`` imports ``urllib.request`` (HTTP, SSL, email) for a ``urlretrieve`` no
module of Whoosh calls; ``whoosh.reading`` takes ``cached_property`` from the package of
that name, which imports ``asyncio``, for one attribute of a segment reader; and
``whoosh.query`` imports ``whoosh.lang.morph_en``, which compiles 6 long regular expressions
(~5 ms) for the ``Variations`` query, which Papershelf never makes. While those Whoosh
modules load, stand-ins are in ``sys.modules``: a ``urlretrieve`` and a ``variations``
that import the real ones when called, and the standard library's
``functools.cached_property`` (the same caching for a plain method). They are taken out
at once, so any other import of those modules in the process gets the real one.
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    """``urllib.request.urlretrieve``, imported when first called."""
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(word: str) -> Any:
    """``whoosh.lang.morph_en.variations``, imported when first called."""
    from whoosh.lang.morph_en import variations

    return variations(word)


def _import_whoosh() -> None:
    if "whoosh" in sys.modules:
        return
    stand_ins: dict[str, types.ModuleType] = {}
    if "urllib.request" not in sys.modules:
        stand_ins["urllib.request"] = types.ModuleType("urllib.request")
        stand_ins["urllib.request"].urlretrieve = _urlretrieve  # type: ignore[attr-defined]
    if "cached_property" not in sys.modules:
        stand_ins["cached_property"] = types.ModuleType("cached_property")
        stand_ins["cached_property"].cached_property = functools.cached_property  # type: ignore[attr-defined]
    if "whoosh.lang.morph_en" not in sys.modules:
        stand_ins["whoosh.lang.morph_en"] = types.ModuleType("whoosh.lang.morph_en")
        stand_ins["whoosh.lang.morph_en"].variations = _variations  # type: ignore[attr-defined]
    sys.modules.update(stand_ins)
    try:
        import whoosh.compat
        import whoosh.query
        import whoosh.reading  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


_import_whoosh()
