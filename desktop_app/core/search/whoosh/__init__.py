"""Everything that touches Whoosh: the index facade and what it is built from.

Whoosh is imported here first, without modules it loads for nothing the index uses, which
take half of its import time (~50 ms of every ``papershelf search``):

- ``whoosh.compat`` imports ``urllib.request`` (HTTP, SSL, email) for a ``urlretrieve`` no
  module of Whoosh calls;
- ``whoosh.reading`` takes ``cached_property`` from the package of that name, which
  imports ``asyncio``, for one attribute of a segment reader;
- ``whoosh.query`` imports ``whoosh.lang.morph_en``, which compiles 6 long regular
  expressions (~5 ms) for the ``Variations`` query, and ``whoosh.analysis`` imports
  ``whoosh.lang.porter`` and ``whoosh.lang.dmetaphone`` (~3 ms, regular expressions
  again) for its stemming and sound-alike filters: Papershelf's analyzers
  (:mod:`.analysis`) use none of them.

While those Whoosh modules load, stand-ins are in ``sys.modules``: functions that import
the real module when called (:data:`_LATER`), and the standard library's
``functools.cached_property`` (the same caching for a plain method). They are taken out
at once, so any other import of those modules in the process gets the real one.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

#: The modules Whoosh imports at once for functions it calls only for what Papershelf never
#: asks (or never at all), with those functions.
_LATER = {
    "urllib.request": ("urlretrieve",),
    "whoosh.lang.morph_en": ("variations",),
    "whoosh.lang.porter": ("stem",),
    "whoosh.lang.dmetaphone": ("double_metaphone",),
}


def _later(module: str, name: str) -> Callable[..., Any]:
    """``module``'s function ``name``, imported when first called."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _import_whoosh() -> None:
    if "whoosh" in sys.modules:
        return
    stand_ins: dict[str, types.ModuleType] = {}
    for module, names in _LATER.items():
        if module not in sys.modules:
            stand_ins[module] = types.ModuleType(module)
            for name in names:
                setattr(stand_ins[module], name, _later(module, name))
    if "cached_property" not in sys.modules:
        stand_ins["cached_property"] = types.ModuleType("cached_property")
        stand_ins["cached_property"].cached_property = functools.cached_property  # type: ignore[attr-defined]
    sys.modules.update(stand_ins)
    try:
        import whoosh.analysis
        import whoosh.compat
        import whoosh.query
        import whoosh.reading  # noqa: F401
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


_import_whoosh()
