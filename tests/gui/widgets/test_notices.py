"""Notices over the list: one line per kind of problem, never a column of banners."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app.gui.widgets.notices import MAX_NOTICES, Level, NoticeArea


def test_a_notice_of_a_kind_replaces_the_one_before(qtbot: QtBot) -> None:
    area = NoticeArea()
    qtbot.addWidget(area)
    area.show_notice(Level.ERROR, "Could not fetch the PDF of 2504.05220: HTTP 404", kind="f")
    area.show_notice(Level.ERROR, "4 papers could not be fetched", "details", kind="f")
    assert area.messages() == ["4 papers could not be fetched"]


def test_the_same_message_is_counted_and_the_column_is_short(qtbot: QtBot) -> None:
    area = NoticeArea()
    qtbot.addWidget(area)
    area.show_notice(Level.ERROR, "Disk full")
    area.show_notice(Level.WARNING, "Something else")
    area.show_notice(Level.ERROR, "Disk full")  # not the last one shown: counted all the same
    assert area.messages() == ["Disk full", "Something else"]
    assert area.notices[0].label.text() == "Disk full (×2)"
    for n in range(5):
        area.show_notice(Level.ERROR, f"Problem {n}")
    assert len(area.notices) == MAX_NOTICES == 3
