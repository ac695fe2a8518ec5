"""Screenshots of the library window on the sample library, light and dark.

    .venv/bin/python packaging/screenshots.py          # or: make screenshots

writes ``resources/screenshots/library-light.png`` and ``library-dark.png`` (1280×800). The
sample digest is imported into a temporary library and given some life (statuses, ratings,
tags, notes, PDF states) as a reader's library would have; nothing of the user's is touched
(temporary cache, config and log folders). Runs headless (Qt's offscreen platform) unless
``--show`` is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "screenshots"
SIZE = (1280, 800)

TAGS = {
    "2504.05220": ["rag/annotation", "to-cite"],
    "2504.05216": ["dense-retrieval", "llm"],
    "2504.05181": ["generative-ir"],
    "2504.04843": ["recsys"],
    "2504.04726": ["recsys", "llm"],
    "2504.04707": ["multimodal"],
}
NOTES = {
    "2504.05220": (
        "# Utility-focused annotation\n\n"
        "- LLM labels beat human ones **out of domain**\n"
        "- 20% human data closes the in-domain gap\n\n"
        "Compare with the Disj-InfoNCE loss in our setup."
    ),
    "2504.05216": "Attention Stop + Input Corruption: try on our MS MARCO baseline.",
}


def _minimal_pdf(title: str) -> bytes:
    """A one-page PDF (so the list shows a PDF on disk)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def build_library(root: Path) -> object:
    """The sample digest, triaged: most papers kept, a few read or being read."""
    from importlib import resources

    from desktop_app.core.digest import import_digest
    from desktop_app.core.library import Library
    from desktop_app.core.paper import FetchState, Status

    library = Library.open(root)
    text = resources.files("desktop_app.resources").joinpath("sample-digest.md").read_text("utf-8")
    report = import_digest(library, text, Status.NEW, source="sample-digest.md")
    keys = report.added
    for i, key in enumerate(keys[:-7]):  # the last seven stay in the inbox
        status = [Status.UNREAD, Status.READING, Status.READ, Status.UNREAD][i % 4]

        def change(p, status=status, i=i):  # type: ignore[no-untyped-def]
            p.set_status(status)
            p.rating = 4 if p.key == "2504.05220" else [0, 4, 5, 0, 3, 0, 0][i % 7]
            p.tags = TAGS.get(p.key, [])
            if i % 3 != 2:
                p.pdf_file = f"{p.key}v1.pdf"
                p.pdf_state = FetchState.DONE
                p.page_count, p.last_page = (12, 5) if status is Status.READING else (12, 0)
            elif i % 6 == 5:
                p.pdf_state, p.pdf_error = FetchState.FAILED, "HTTP 503 (arXiv busy), 4 tries"
            else:
                p.pdf_state = FetchState.PENDING

        paper = library.update(key, change)
        if paper.pdf_file:
            (library.paper_dir(key) / paper.pdf_file).write_bytes(_minimal_pdf(paper.title))
        if key in NOTES:
            library.write_notes(key, NOTES[key])
    return library


def dark_palette() -> object:
    """A dark palette like the desktops' own dark themes (Fusion's dark colours)."""
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {
        role.Window: "#2b2b2e",
        role.WindowText: "#e6e6e6",
        role.Base: "#1f1f22",
        role.AlternateBase: "#27272a",
        role.ToolTipBase: "#2b2b2e",
        role.ToolTipText: "#e6e6e6",
        role.PlaceholderText: "#9a9aa0",
        role.Text: "#e6e6e6",
        role.Button: "#333337",
        role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff6b6b",
        role.Light: "#47474c",
        role.Midlight: "#3c3c41",
        role.Mid: "#2f2f33",
        role.Dark: "#1a1a1c",
        role.Shadow: "#000000",
        role.Highlight: "#2f6fd0",
        role.HighlightedText: "#ffffff",
        role.Link: "#7fb3ff",
        role.LinkVisited: "#b99cff",
    }
    for r, c in colours.items():
        p.setColor(r, QColor(c))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor("#7a7a80"))
    return p


def shoot(dark: bool, out: Path, show: bool) -> Path:
    from PySide6.QtCore import QEventLoop, Qt
    from PySide6.QtWidgets import QApplication

    from desktop_app.core.library import Library
    from desktop_app.core.settings import Settings
    from desktop_app.gui import icons
    from desktop_app.gui.app import build_window
    from desktop_app.gui.models import ALL_ID

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    if dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        app.setPalette(dark_palette())  # type: ignore[arg-type]
    else:
        app.styleHints().setColorScheme(Qt.ColorScheme.Light)
        app.setPalette(app.style().standardPalette())
    icons.clear_cache()

    base = Path(tempfile.mkdtemp(prefix="papershelf-shot-"))
    library = build_library(base / "Reading list")
    assert isinstance(library, Library)
    window = build_window(library, Settings(offline=True))
    window.resize(*SIZE)
    window.show()

    def spin(seconds: float, until: object = None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if callable(until) and until():
                return
            time.sleep(0.01)

    spin(30, lambda: window.bridge.index_is_ready and window.results is not None)
    window.sidebar.select_node(ALL_ID)
    if dark:
        window.search.set_text("retrieval")
    spin(10, lambda: window.model.rowCount() > 0)
    window.select_key("2504.05220")
    window.table.setFocus()
    spin(1.5)
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    if show:
        spin(3600, lambda: not window.isVisible())
    window.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="open the window on screen")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    args = parser.parse_args()
    if not args.show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="papershelf-shots-"))
    for name in ("CACHE", "CONFIG", "LOG"):
        os.environ[f"PAPERSHELF_{name}_DIR"] = str(scratch / name.lower())
    sys.path.insert(0, str(ROOT))
    for dark in (False, True):
        path = shoot(dark, args.out / f"library-{'dark' if dark else 'light'}.png", args.show)
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
