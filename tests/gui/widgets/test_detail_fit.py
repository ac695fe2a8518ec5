"""The detail pane in a narrow place: nothing runs off its right edge, nothing scrolls
sideways, a long PDF error wraps with its full text in a tooltip (issue #15)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.gui.widgets.detail import DetailPane

ERROR = (
    "no version to download: arXiv lists no PDF for this paper (withdrawn, or its source "
    "only); tried 4 times, last HTTP 404 from export.arxiv.org"
)


def _paper(status: Status, **values: object) -> Paper:
    return Paper(
        key="2504.05220",
        arxiv_id="2504.05220",
        arxiv_version=1,
        title="Leveraging LLMs for Utility-Focused Annotation: Reducing Manual Effort for "
        "Retrieval and RAG",
        authors=["Hengran Zhang", "Minghao Tang", "Keping Bi", "Jiafeng Guo"],
        abstract="Retrieval models typically rely on costly human-labeled annotations.",
        status=status,
        **values,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("width", [300, 360, 480])
@pytest.mark.parametrize("status", [Status.NEW, Status.READING])
def test_nothing_runs_off_a_narrow_pane(qtbot: QtBot, width: int, status: Status) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.resize(width, 600)
    pane.show()
    qtbot.waitExposed(pane)
    pane.show_paper(_paper(status, pdf_state=FetchState.FAILED, pdf_error=ERROR), has_pdf=False)
    qtbot.wait(50)
    assert not pane.horizontalScrollBar().isVisible()
    viewport = pane.viewport()
    for child in pane.widget().findChildren(QWidget):
        if child.isVisibleTo(pane) and child.width() > 0:
            right = child.mapTo(viewport, QPoint(child.width(), 0)).x()
            assert right <= viewport.width(), type(child).__name__
    # The error wraps in the room there is; all of it is in the tooltip.
    assert pane.pdf_state.text() == f"Download failed: {ERROR}"
    assert pane.pdf_state.toolTip() == pane.pdf_state.text()
    assert pane.pdf_state.height() > pane.pdf_state.fontMetrics().height() * 1.5
    # The buttons keep their names where their labels do not fit.
    assert pane.download.toolTip() and pane.status.keep.toolTip()


def test_a_narrow_status_switch_still_names_the_chosen_status(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.resize(300, 600)
    pane.show()
    qtbot.waitExposed(pane)
    pane.show_paper(_paper(Status.READING), has_pdf=False)
    qtbot.wait(50)
    buttons = pane.status.buttons
    assert [buttons[s].text() for s in ("unread", "reading", "read")] == ["", "Reading", ""]
    assert buttons["unread"].toolTip().startswith("Mark as unread")
    pane.resize(600, 600)
    qtbot.waitUntil(lambda: buttons["unread"].text() == "Unread")
    assert buttons["read"].text() == "Read"
