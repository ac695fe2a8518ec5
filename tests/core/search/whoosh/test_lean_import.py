"""Whoosh loads without ``urllib.request``, ``asyncio`` and its language modules (half its
import time), and the rest of the process still gets those modules whole; what a first
write loads is loaded ahead of it by an index that lasts, not by the command line's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from desktop_app.core.library import Library
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.files import ROOT


def _printed(code: str) -> list[str]:
    """What a new Python process running ``code`` prints, line by line."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_whoosh_loads_without_urllib_request_and_asyncio() -> None:
    code = (
        "import sys\n"
        "from desktop_app.core.search.whoosh.index import WhooshIndex\n"
        "print(sorted(m for m in ('urllib.request', 'asyncio', 'cached_property')"
        " if m in sys.modules))\n"
        "import urllib.request, cached_property, whoosh.compat\n"
        "print(callable(urllib.request.urlopen),"
        " hasattr(cached_property, 'threaded_cached_property'))\n"
        "print(whoosh.compat.urlretrieve.__module__)\n"
    )
    assert _printed(code) == [
        "[]",
        "True True",
        "desktop_app.core.search.whoosh",
    ]


def test_whoosh_loads_without_its_language_modules_whose_functions_still_work() -> None:
    # whoosh.lang.morph_en, porter and dmetaphone compile regular expressions at import for
    # Whoosh's Variations query and its stemming and sound-alike filters, which Papershelf
    # never uses; a process that does use them still gets them.
    code = (
        "import sys\n"
        "from desktop_app.core.search.whoosh.index import WhooshIndex\n"
        "lang = ('whoosh.lang.morph_en', 'whoosh.lang.porter', 'whoosh.lang.dmetaphone')\n"
        "print([m for m in lang if m in sys.modules])\n"
        "from whoosh.query import terms\n"  # what the Variations query calls
        "print('rendered' in terms.variations('render'))\n"
        "from whoosh.analysis import DoubleMetaphoneFilter, StemmingAnalyzer\n"
        "print([t.text for t in StemmingAnalyzer()('Rendering papers')])\n"
        "print([t.text for t in DoubleMetaphoneFilter()(StemmingAnalyzer()('Smith'))])\n"
        "print([m for m in lang if m in sys.modules])\n"
    )
    assert _printed(code) == [
        "[]",
        "True",
        "['render', 'paper']",
        "['SM0', 'XMT']",
        "['whoosh.lang.morph_en', 'whoosh.lang.porter', 'whoosh.lang.dmetaphone']",
    ]


@pytest.mark.parametrize(
    ("options", "loaded"),
    [
        ("texts_in_background=True, observe=False", True),  # the app's
        ("observe=True", True),  # one that follows the library in its process
        ("observe=False", False),  # the command line's
    ],
)
def test_a_lasting_index_loads_what_a_first_write_needs_when_it_syncs(
    lib: Library, options: str, loaded: bool
) -> None:
    # Loading filelock at the first write of a process took 17 ms of that edit's ~30
    # (10,000 papers); the app syncs in the background, so its user's first edit is then
    # as fast as the next. A command that only reads does not load it.
    with WhooshIndex(lib, observe=False) as index:
        index.sync()
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from desktop_app.core.library import Library\n"
        "from desktop_app.core.search.whoosh.index import WhooshIndex\n"
        f"index = WhooshIndex(Library.open(Path({str(lib.root)!r})), {options})\n"
        "report = index.sync()\n"
        "print(report.updated, report.rebuilt, 'filelock' in sys.modules)\n"
    )
    assert _printed(code) == [f"0 False {loaded}"]


def test_a_search_at_the_command_line_loads_no_module_that_writes_or_builds(lib: Library) -> None:
    # What writes the index, builds it, does a build's second phase, starts the PDF reader,
    # transliterates (anyascii, for a sort by title) or decodes a note in any encoding is
    # loaded when needed: ~7 ms of each `papershelf search` at 10,000 papers loaded them
    # for nothing.
    with WhooshIndex(lib, observe=False) as index:
        index.sync()
    with WhooshIndex(lib, observe=False) as index:
        index.search("")  # (the records file written, as by a search after each commit)
    code = (
        "import io, sys, contextlib\n"
        "from desktop_app.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    main(['--library', {str(lib.root)!r}, 'search', '\"message passing\"'])\n"
        "print('2301.00002' in out.getvalue())\n"
        "names = ('rebuild', 'texts', 'writing')\n"
        "mods = [f'desktop_app.core.search.whoosh.{n}' for n in names]\n"
        "others = ('subprocess', 'filelock', 'anyascii', 'desktop_app.core.interop.textfile')\n"
        "print([m for m in (*mods, *others) if m in sys.modules])\n"
    )
    assert _printed(code) == ["True", "[]"]
