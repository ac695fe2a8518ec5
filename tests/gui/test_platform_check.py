"""Qt's X11 platform plugin: every library it links to is installed (``make system-deps``),
and when one is missing the app names it in one line instead of Qt's misleading abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.gui import platform_check
from desktop_app.gui.platform_check import DEBIAN_PACKAGES, missing_libraries, xcb_plugin

ROOT = Path(__file__).resolve().parents[2]
needs_plugin = pytest.mark.skipif(
    not sys.platform.startswith("linux") or xcb_plugin({}) is None or not shutil.which("ldd"),
    reason="needs Linux, ldd and PySide6's xcb platform plugin",
)


def _makefile_packages() -> set[str]:
    text = (ROOT / "Makefile").read_text("utf-8").replace("\\\n", " ")
    line = next(x for x in text.splitlines() if x.startswith("SYSTEM_PACKAGES"))
    return set(line.split(":=", 1)[1].split())


@needs_plugin
def test_every_library_of_the_xcb_plugin_is_installed() -> None:
    # No display needed: the loader resolves the libraries without connecting to X.
    plugin = xcb_plugin({})
    assert plugin is not None
    missing = missing_libraries(plugin)
    assert missing == [], f"run `make system-deps`: {plugin.name} needs {missing}"


@needs_plugin
def test_make_system_deps_lists_the_package_of_every_library_the_plugin_links_to() -> None:
    plugin = xcb_plugin({})
    assert plugin is not None
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True).stdout
    linked = {line.split()[0] for line in out.splitlines() if "=>" in line}
    packages = {DEBIAN_PACKAGES[lib] for lib in linked if lib in DEBIAN_PACKAGES}
    assert packages, "the plugin links to none of the X11 libraries known here"
    assert packages <= _makefile_packages(), packages - _makefile_packages()
    unknown = {lib for lib in linked if lib.startswith(("libxcb", "libX", "libxkb"))} - set(
        DEBIAN_PACKAGES
    )
    assert not unknown, f"add the Debian packages of {unknown} to DEBIAN_PACKAGES and the Makefile"


@needs_plugin
def test_a_missing_library_is_named_in_one_line(tmp_path: Path) -> None:
    # A copy of the plugin away from PySide6's folders cannot find Qt's own XCB library
    # (libqxcb.so finds it through its run path, relative to where it lies).
    plugin = xcb_plugin({})
    assert plugin is not None
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    shutil.copy(plugin, platforms / "libqxcb.so")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND", "XDG_SESSION"))
    }
    env.update(
        QT_QPA_PLATFORM="xcb",
        QT_QPA_PLATFORM_PLUGIN_PATH=str(platforms),
        DISPLAY=":99",
        PYTHONPATH=str(ROOT),
        PAPERSHELF_LIBRARY=str(tmp_path / "library"),
        PAPERSHELF_CONFIG_DIR=str(tmp_path / "config"),
        PAPERSHELF_CACHE_DIR=str(tmp_path / "cache"),
        PAPERSHELF_LOG_DIR=str(tmp_path / "log"),
    )
    run = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "libQt6XcbQpa.so.6" in lines[0]
    assert "X11 platform plugin" in lines[0]


def test_the_check_follows_the_platform_qt_chooses() -> None:
    assert not platform_check.uses_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert platform_check.uses_xcb({"QT_QPA_PLATFORM": "xcb"}) == sys.platform.startswith("linux")
    assert not platform_check.uses_xcb({"WAYLAND_DISPLAY": "wayland-0"})
    assert platform_check.missing_platform_libraries({"QT_QPA_PLATFORM": "offscreen"}) == ""
