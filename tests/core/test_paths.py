"""Where the library is: the environment, then the library chosen in Preferences."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from desktop_app.core import paths


def test_environment_wins_over_the_preferences(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(paths.ENV_LIBRARY, str(tmp_path / "env"))
    assert paths.default_library(str(tmp_path / "chosen")) == tmp_path / "env"


def test_library_chosen_in_preferences(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(paths.ENV_LIBRARY)
    assert paths.default_library(str(tmp_path / "chosen")) == tmp_path / "chosen"
    assert paths.default_library(None).name == "Papershelf"


def test_state_files_move_once_from_where_older_versions_kept_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(paths.ENV_STATE, str(tmp_path / "state"))
    old_folder = tmp_path / "cache"
    old_folder.mkdir()
    (old_folder / "access-denied.json").write_text('{"since": "then"}', encoding="utf-8")
    path = paths.state_file("access-denied.json", formerly_in=old_folder)
    assert path == tmp_path / "state" / "access-denied.json"
    assert path.read_text(encoding="utf-8") == '{"since": "then"}'
    assert not (old_folder / "access-denied.json").exists()
    # Once moved, a file that turns up in the old place again is not taken.
    (old_folder / "access-denied.json").write_text("stale", encoding="utf-8")
    assert (
        paths.state_file("access-denied.json", formerly_in=old_folder).read_text(encoding="utf-8")
        == '{"since": "then"}'
    )
    # Nothing to move: nothing is created.
    assert not paths.state_file("other.ini", formerly_in=old_folder).exists()
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["access-denied.json"]


def test_the_state_folder_follows_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.ENV_STATE, raising=False)
    assert paths.state_dir() == Path(platformdirs.user_state_dir("papershelf"))
