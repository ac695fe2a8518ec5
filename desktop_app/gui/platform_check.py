"""Before the QApplication: can Qt's X11 platform plugin load, and if not, which library is
missing?

When a library that ``libqxcb.so`` links to is missing, Qt aborts with "xcb-cursor0 or
libxcb-cursor0 is needed to load the Qt xcb platform plugin" whichever library it was (on
Debian 12 with libxcb-cursor0 installed, the missing ones were libxcb-icccm4 and
libxcb-keysyms1). :func:`missing_platform_libraries` asks the dynamic loader (``ldd``, else
``ctypes``) about the plugin Qt would load, so the app can name the library in one line and
exit instead. ``make system-deps`` installs the Debian packages of every library the plugin
links to (tests/gui/test_platform_check.py checks that none is missing).
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo

#: The Debian package of each library Qt's xcb plugin links to (those not in every base image).
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_CANNOT_OPEN = re.compile(r"([^\s:]+\.so[.\d]*): cannot open shared object file")


def uses_xcb(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether Qt will try the xcb (X11) platform first here."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    return not (environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland")


def xcb_plugin(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """The ``libqxcb.so`` Qt would load (its plugin search order), or None."""
    folders = []
    if explicit := environ.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        folders.append(Path(explicit))
    for entry in environ.get("QT_PLUGIN_PATH", "").split(os.pathsep):
        if entry:
            folders.append(Path(entry) / "platforms")
    folders.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms")
    return next((f / "libqxcb.so" for f in folders if (f / "libqxcb.so").is_file()), None)


def missing_libraries(library: Path) -> list[str]:
    """The shared libraries ``library`` needs that the dynamic loader cannot find."""
    ldd = shutil.which("ldd")
    if ldd:
        try:
            out = subprocess.run(
                [ldd, str(library)], capture_output=True, text=True, timeout=10, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = None
        if out is not None:
            return list(dict.fromkeys(_NOT_FOUND.findall(out)))
    try:
        ctypes.CDLL(str(library))
    except OSError as e:  # names the first library missing only
        found = _CANNOT_OPEN.search(str(e))
        return [found.group(1) if found else str(e)]
    return []


def missing_platform_libraries(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """One line naming what keeps Qt's xcb plugin from loading, or "" when nothing does."""
    if not uses_xcb(environ):
        return ""
    plugin = xcb_plugin(environ)
    if plugin is None:
        return ""  # Qt says itself that it has no xcb plugin
    missing = missing_libraries(plugin)
    if not missing:
        return ""
    packages = [DEBIAN_PACKAGES[m] for m in missing if m in DEBIAN_PACKAGES]
    hint = (
        f"; on Debian or Ubuntu: sudo apt-get install {' '.join(packages)} (or make system-deps)"
        if packages
        else ""
    )
    return (
        f"Papershelf cannot open its window: Qt's X11 platform plugin {plugin} needs "
        f"{', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not installed{hint}"
    )
