"""The window's import/export menu actions: Copy Citation, Export, Import BibTeX, Merge."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.interop.export import ExportFormat
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper, Status
from desktop_app.gui.features.interop import InteropFeature
from desktop_app.gui.widgets.sidebar_model import ALL_ID
from desktop_app.gui.window.main_window import MainWindow
from tests.helpers.window import WAIT_MS, Factory, feature


@pytest.fixture
def window(qtbot: QtBot, library: Library, make_window: Factory) -> MainWindow:
    library.add(
        Paper.from_arxiv(
            parse("2504.05220v1"),
            title="Leveraging LLMs for Utility-Focused Annotation",
            authors=["Hengran Zhang", "Minghao Tang"],
            published="2025-04-07",
            categories=["cs.IR"],
            status=Status.UNREAD,
        )
    )
    library.add(
        Paper(
            key="local-copy-1",
            title="Leveraging LLMs for utility-focused annotation",
            authors=["H. Zhang"],
            tags=["copy"],
            status=Status.READ,
        )
    )
    # Before it closes, the searches and index updates the test started report, so none of
    # them lands on a deleted window.
    window = make_window(settle_first=True)
    window.sidebar.select_node(ALL_ID)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT_MS)
    return window


def _select(qtbot: QtBot, window: MainWindow, key: str) -> None:
    assert window.select_key(key)
    qtbot.waitUntil(lambda: window.selected_keys() == [key], timeout=WAIT_MS)


def test_copy_citation_puts_the_selection_s_bibtex_on_the_clipboard(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    QGuiApplication.clipboard().clear()
    _select(qtbot, window, "2504.05220")
    action = feature(window, InteropFeature).copy_citation_action
    assert action.isEnabled() and action.shortcut().toString() == "Ctrl+Shift+C"
    action.trigger()
    qtbot.waitUntil(
        lambda: QGuiApplication.clipboard().text().startswith("@misc{zhang2025leveraging,"),
        timeout=WAIT_MS,
    )
    text = QGuiApplication.clipboard().text()
    assert "eprint        = {2504.05220}," in text and "local-copy-1" not in text
    # The key is the paper's from now on.
    assert library.get("2504.05220").citation_key == "zhang2025leveraging"


def test_the_menus_hold_the_actions(window: MainWindow) -> None:
    titles = {a.text().replace("&", ""): a for a in window.menuBar().actions()}
    assert list(titles)[-1] == "Help" and "Tools" in titles
    file_texts = [a.text().replace("&", "") for a in titles["File"].menu().actions()]
    for text in ("Import BibTeX…", "Add PDFs…", "Export"):
        assert text in file_texts
    export = window.action_table.menus["file/export"].actions()
    assert [a.text() for a in export] == [
        "BibTeX…",
        "BibLaTeX…",
        "CSV (spreadsheet)…",
        "Markdown digest…",
        "Markdown reading list…",
    ]


def test_export_writes_the_papers_listed(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "list"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    feature(window, InteropFeature).export_actions[ExportFormat.BIBTEX].trigger()
    bib = target.with_suffix(".bib")
    qtbot.waitUntil(bib.exists, timeout=WAIT_MS)
    assert bib.read_text(encoding="utf-8").count("@") == 2


def test_import_bibtex_adds_the_papers(
    qtbot: QtBot, window: MainWindow, library: Library, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{x, eprint={2504.05217}, title={Another}}\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(bib)], ""))
    feature(window, InteropFeature).import_bibtex_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    assert library.get("2504.05217").title == "Another"


def test_a_file_that_is_no_bibtex_is_a_notice_and_the_others_import(
    qtbot: QtBot, window: MainWindow, library: Library, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    pdf = tmp_path / "paper.bib"
    pdf.write_bytes(b"%PDF-1.5\n%\xd0\xd4\xc5\xd8\n1 0 obj\n<<>>\nstream\n\x00")
    bib = tmp_path / "refs.bib"
    bib.write_bytes("@misc{x, eprint={2504.05217}, title={Another}}\n".encode("utf-16"))
    chosen = [str(pdf), str(bib)]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (chosen, ""))
    feature(window, InteropFeature).import_bibtex_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    assert library.get("2504.05217").title == "Another"  # UTF-16: "0 added" before
    qtbot.waitUntil(
        lambda: any("paper.bib cannot be imported" in m for m in window.notices.messages()),
        timeout=WAIT_MS,
    )


def test_merge_duplicates_asks_then_merges(
    qtbot: QtBot, window: MainWindow, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def answer(box: QMessageBox) -> int:
        asked.append(box.text())
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "exec", answer)
    feature(window, InteropFeature).merge_duplicates_action.trigger()
    qtbot.waitUntil(lambda: len(library) == 1, timeout=WAIT_MS)
    assert asked and "1 paper to merge" in asked[0]
    paper = library.get("2504.05220")
    assert paper.tags == ["copy"] and paper.status is Status.READ
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)
