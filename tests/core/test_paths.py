"""Where the library is: the environment, then the library chosen in Preferences."""

from __future__ import annotations

from pathlib import Path

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
