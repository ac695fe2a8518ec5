"""The window on small and scaled screens, as a user sees it (issue #15): at 1024×640,
1280×800 and at scale 2 the detail pane has no horizontal scrollbar and nothing of it lies
outside the window, the window fits its screen, and opening the reader on a paper's last
page (its "mark as read" bar names the long title) does not widen it.

Each case is a ``make screenshots`` case run in its own process on an offscreen screen of
that size (Qt's screen size and scale are fixed per process).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _screenshots() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "screenshots", ROOT / "packaging" / "screenshots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("screenshots", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "name", ["reader-last-page-1024x640", "reader-last-page-1280x800", "reader-scale-2-dark"]
)
def test_the_window_fits_the_screen(name: str, tmp_path: Path) -> None:
    shots = _screenshots()
    case = next(c for c in shots.CASES if c.name == name)
    seen = shots.run_case(case, tmp_path)
    screen_width = seen["screen"][0]
    assert seen["window"][0] <= screen_width and seen["window_inside_screen"], seen
    assert seen["detail_horizontal_scrollbar"] is False
    assert seen["detail_widgets_outside_window"] == []
    assert seen["detail_widgets_cut_at_the_right"] == []
    # The reader on the last page: it says so, and the window stayed on the screen.
    last, count = seen["reader_page"]
    assert last == count and seen["read_bar_shown"]
    assert seen["window_after"][0] <= screen_width and seen["window_after_inside_screen"], seen
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
