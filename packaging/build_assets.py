"""Build what the installers need from the sources: the app icon in every format, and the
Linux desktop integration staged as it is installed.

- ``--share DIR``: the XDG data tree under ``DIR``: ``applications/<APP_ID>.desktop``,
  ``metainfo/<APP_ID>.metainfo.xml`` (both from ``packaging/linux/``) and the hicolor icon
  theme, ``icons/hicolor/<N>x<N>/apps/<APP_ID>.png`` for N = 16…512 plus ``scalable/apps``;
  and the command line's manual page and shell completions (:data:`CLI_FILES`), generated
  from its parser; ``packaging/linux/install-desktop.sh`` copies it into ``~/.local/share``;
- ``--ico FILE``: a Windows icon holding 16…256 px images;
- ``--icns FILE``: a macOS icon holding 16…1024 px images.

The icon is ``resources/papershelf.svg``, drawn by Qt's SVG renderer (already a
dependency), so the build needs no Inkscape, librsvg or Pillow. Nothing generated is
committed: ``make package`` and ``make install-desktop`` run this script.

Usage: ``python packaging/build_assets.py [--svg SVG] [--share DIR] [--ico FILE] [--icns FILE]``
"""

from __future__ import annotations

import argparse
import shutil
import struct
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "papershelf.svg"
LINUX = ROOT / "packaging" / "linux"

HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# The PNG-carrying icns element types, by pixel size (several types share a size: the
# @2x variants of the smaller ones).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"icp6", 64),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),
    (b"ic09", 512),
    (b"ic14", 512),
    (b"ic10", 1024),
)


def app_id() -> str:
    sys.path.insert(0, str(ROOT))
    try:
        from desktop_app import APP_ID
    finally:
        sys.path.remove(str(ROOT))
    return APP_ID


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn on a transparent ``size`` × ``size`` square, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"build_assets: {svg} is not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # stubs say bytes; str works
        raise SystemExit(f"build_assets: could not encode the {size} px icon as PNG")
    buffer.close()
    return bytes(data.data())


class _Renderer:
    """Renders each size once, however many outputs ask for it."""

    def __init__(self, svg: Path) -> None:
        self.svg = svg
        self._pngs: dict[int, bytes] = {}

    def png(self, size: int) -> bytes:
        if size not in self._pngs:
            self._pngs[size] = render_png(self.svg, size)
        return self._pngs[size]


def write_hicolor(renderer: _Renderer, share: Path, name: str) -> list[Path]:
    """Write ``share/icons/hicolor/<N>x<N>/apps/<name>.png`` and the scalable SVG."""
    hicolor = share / "icons" / "hicolor"
    written = []
    for size in HICOLOR_SIZES:
        path = hicolor / f"{size}x{size}" / "apps" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(renderer.png(size))
        written.append(path)
    scalable = hicolor / "scalable" / "apps" / f"{name}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(renderer.svg, scalable)
    written.append(scalable)
    return written


def stage_share(renderer: _Renderer, share: Path, name: str) -> None:
    """The desktop entry, the AppStream metadata, the hicolor icons, the manual page and the
    shell completions under ``share``."""
    for folder, suffix in (("applications", ".desktop"), ("metainfo", ".metainfo.xml")):
        (share / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LINUX / f"{name}{suffix}", share / folder / f"{name}{suffix}")
    write_hicolor(renderer, share, name)
    write_cli_files(share)


#: Where each shell looks for completions under an XDG data folder (``~/.local/share``),
#: and where ``man`` looks for the manual page (man-db finds ``~/.local/share/man`` from
#: ``~/.local/bin`` on the PATH).
CLI_FILES = {
    "man": "man/man1/papershelf.1",
    "bash": "bash-completion/completions/papershelf",
    "zsh": "zsh/site-functions/_papershelf",
    "fish": "fish/vendor_completions.d/papershelf.fish",
}


def manual_page() -> str:
    """``papershelf(1)`` in roff, generated from the command line's parser.

    argparse-manpage (maintained, used by pipx and Fedora's tools) walks the parser, its
    commands included; the date is the source's (``SOURCE_DATE_EPOCH``) for reproducible
    builds.
    """
    from argparse_manpage.manpage import Manpage

    from desktop_app import __version__
    from desktop_app.cli import build_parser

    page = Manpage(
        build_parser(),
        _data={
            "project_name": "papershelf",
            "version": __version__,
            "description": "keep a reading list of arXiv papers offline",
            "manual_title": "Papershelf Manual",
            "url": "https://github.com/papershelf/papershelf",
        },
    )
    return str(page)


def write_cli_files(share: Path) -> list[Path]:
    """The manual page and the bash, zsh and fish completion scripts under ``share``."""
    sys.path.insert(0, str(ROOT))
    try:
        from desktop_app.cli import completion

        texts = {"man": manual_page()}
        texts |= {shell: completion.script(shell) for shell in completion.SHELLS}
    finally:
        sys.path.remove(str(ROOT))
    written = []
    for what, relative in CLI_FILES.items():
        path = share / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[what], encoding="utf-8")
        written.append(path)
    return written


def ico_bytes(images: Iterable[tuple[int, bytes]]) -> bytes:
    """A Windows .ico of PNG-compressed images (allowed since Windows Vista)."""
    entries = list(images)
    header = struct.pack("<HHH", 0, 1, len(entries))
    offset = len(header) + 16 * len(entries)
    directory = b""
    for size, png in entries:
        # Width and height are one byte each: 0 stands for 256.
        side = 0 if size >= 256 else size
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    return header + directory + b"".join(png for _, png in entries)


def icns_bytes(elements: Iterable[tuple[bytes, bytes]]) -> bytes:
    """A macOS .icns: big-endian type + length headers around PNG data."""
    body = b"".join(kind + struct.pack(">I", 8 + len(png)) + png for kind, png in elements)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--svg", type=Path, default=SVG, help="the icon (default: %(default)s)")
    parser.add_argument("--share", type=Path, help="stage the Linux desktop files under DIR")
    parser.add_argument("--ico", type=Path, help="write a Windows .ico here")
    parser.add_argument("--icns", type=Path, help="write a macOS .icns here")
    args = parser.parse_args(argv)
    if not (args.share or args.ico or args.icns):
        parser.error("nothing to do: give --share, --ico and/or --icns")
    renderer = _Renderer(args.svg)
    if args.share:
        stage_share(renderer, args.share, app_id())
    if args.ico:
        args.ico.parent.mkdir(parents=True, exist_ok=True)
        args.ico.write_bytes(ico_bytes((size, renderer.png(size)) for size in ICO_SIZES))
    if args.icns:
        args.icns.parent.mkdir(parents=True, exist_ok=True)
        args.icns.write_bytes(icns_bytes((kind, renderer.png(size)) for kind, size in ICNS_TYPES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
