"""The Preferences dialog edits the typed settings; bad values never get through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library
from desktop_app.core.settings import DEFAULT_API_URL, Settings
from desktop_app.gui.features.preferences import (
    LibraryAction,
    PreferencesDialog,
    library_folder_problem,
    open_chosen_library,
)


@pytest.fixture
def no_env_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERSHELF_ARXIV_API_URL", raising=False)
    monkeypatch.delenv("PAPERSHELF_ARXIV_PDF_URL", raising=False)


def _dialog(qtbot: QtBot, settings: Settings, library: Path, **kw: object) -> PreferencesDialog:
    dialog = PreferencesDialog(settings, current_library=library, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog


def test_edits_land_in_the_settings_file(qtbot: QtBot, tmp_path: Path, no_env_urls: None) -> None:
    original = Settings(extra={"from_a_newer_version": 1})
    dialog = _dialog(qtbot, original, tmp_path / "lib")
    dialog.auto_fetch.setChecked(False)
    dialog.offline.setChecked(True)
    dialog.sort.setCurrentIndex(dialog.sort.findData("title"))
    dialog.api_url.setText("https://mirror.example.org/api/query")
    dialog.accept()

    edited = dialog.settings()
    path = edited.save(tmp_path / "settings.json")
    data = json.loads(path.read_text())
    assert data["fetch_pdfs_automatically"] is False
    assert data["offline"] is True
    assert data["default_sort"] == "title"
    assert data["arxiv_api_url"] == "https://mirror.example.org/api/query"
    assert data["from_a_newer_version"] == 1
    assert original.offline is False  # the dialog edited a copy


def test_bad_url_is_named_and_blocks_ok(qtbot: QtBot, tmp_path: Path, no_env_urls: None) -> None:
    dialog = _dialog(qtbot, Settings(), tmp_path / "lib")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.pdf_url.setText("ftp://nowhere")
    assert not ok.isEnabled()
    assert "ftp://nowhere" in dialog.pdf_error.text()
    dialog.pdf_url.setText("")
    assert not ok.isEnabled()
    dialog._restore_url_defaults()
    assert ok.isEnabled()
    assert dialog.settings().arxiv_api_url == DEFAULT_API_URL


def test_urls_set_by_the_environment_are_not_editable(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, Settings(), tmp_path / "lib")  # conftest sets both variables
    assert not dialog.api_url.isEnabled()
    assert "PAPERSHELF_ARXIV_API_URL" in dialog.api_url.toolTip()
    assert dialog.settings().arxiv_api_url == DEFAULT_API_URL


def test_fallback_notices_are_shown(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"offline": "yes please", "default_sort": "random"}))
    settings, notices = Settings.load(path)
    dialog = _dialog(qtbot, settings, tmp_path / "lib", notices=notices)
    from PySide6.QtWidgets import QLabel

    box = dialog.findChild(QLabel, "settingsNotices")
    assert box is not None
    assert "offline" in box.text()
    assert "default_sort" in box.text()
    assert dialog.sort.currentData() == "added"  # the default


def test_open_another_library(qtbot: QtBot, tmp_path: Path) -> None:
    current = Library.open(tmp_path / "current").root
    other = Library.open(tmp_path / "other").root
    dialog = _dialog(qtbot, Settings(), current)
    assert not dialog.choose_library(tmp_path, LibraryAction.OPEN)  # holds no library.json
    assert "holds no Papershelf library" in dialog.library_error.text()
    assert dialog.choose_library(other, LibraryAction.OPEN)
    assert str(other) in dialog.library_label.text()
    assert dialog.settings().library_path == str(other)
    assert dialog.library_choice is not None
    assert open_chosen_library(dialog.library_choice).root == other


def test_create_a_new_library(qtbot: QtBot, tmp_path: Path) -> None:
    current = Library.open(tmp_path / "current").root
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.tex").write_text("x")
    assert library_folder_problem(busy, LibraryAction.CREATE) is not None
    dialog = _dialog(qtbot, Settings(), current)
    assert not dialog.choose_library(busy, LibraryAction.CREATE)
    assert dialog.choose_library(tmp_path / "new", LibraryAction.CREATE)
    assert dialog.library_choice is not None
    created = open_chosen_library(dialog.library_choice)
    assert (created.root / "library.json").is_file()
