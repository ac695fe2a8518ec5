"""The settings file: defaults, round trip, bad values falling back with notices, env overrides."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from desktop_app.core import settings as settings_module
from desktop_app.core.settings import Settings


def test_a_missing_file_gives_the_documented_defaults_without_notices(tmp_path: Path) -> None:
    settings, notices = Settings.load(tmp_path / "settings.json")
    assert notices == []
    assert settings == Settings()
    assert settings.arxiv_api_url == "https://export.arxiv.org/api/query"
    assert settings.arxiv_pdf_url == "https://arxiv.org/pdf/"
    assert (settings.api_interval_s, settings.download_interval_s) == (3.0, 1.0)
    assert settings.fetch_pdfs_automatically and not settings.offline
    assert settings.default_sort == "added" and settings.library_path is None
    assert settings.max_pdf_mb == 100 and settings.tries == settings.max_retries + 1


def test_saved_settings_read_back_the_same_and_the_file_is_plain_json() -> None:
    settings = Settings(offline=True, max_pdf_mb=20, library_path="/data/papers", timeout_s=5)
    path = settings.save()
    assert path == Settings.default_path()
    loaded, notices = Settings.load()
    assert notices == [] and loaded == settings
    assert json.loads(path.read_text(encoding="utf-8"))["max_pdf_mb"] == 20


def test_every_field_has_a_check() -> None:
    names = {f.name for f in dataclasses.fields(Settings)} - {"extra"}
    assert set(settings_module._CHECKS) == names


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("offline", "yes", "not true or false"),
        ("api_interval_s", -1, "out of range"),
        ("api_interval_s", "3", "not a number"),
        ("max_pdf_mb", 2.5, "not a whole number"),
        ("max_retries", 99, "out of range"),
        ("arxiv_api_url", "ftp://example.org/", "not an http(s) URL"),
        ("default_sort", "colour", "not one of"),
        ("library_path", 42, "not a folder path"),
    ],
)
def test_an_invalid_value_falls_back_to_its_default_with_a_notice(
    tmp_path: Path, name: str, value: object, problem: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({name: value, "timeout_s": 7}), encoding="utf-8")
    settings, notices = Settings.load(path)
    assert getattr(settings, name) == getattr(Settings(), name)
    assert settings.timeout_s == 7  # the good values next to it are used
    assert len(notices) == 1
    assert name in notices[0] and problem in notices[0] and str(path) in notices[0]


def test_unknown_keys_get_a_notice_and_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "dark", "offline": True}), encoding="utf-8")
    settings, notices = Settings.load(path)
    assert settings.offline is True
    assert notices == [f"{path}: unknown setting 'theme' ignored (kept in the file)"]
    settings.save(path)
    assert json.loads(path.read_text(encoding="utf-8"))["theme"] == "dark"


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "\xff\xfe"])
def test_a_damaged_file_gives_the_defaults_and_says_so(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(text.encode("latin-1"))
    settings, notices = Settings.load(path)
    assert settings == Settings()
    assert len(notices) == 1 and str(path) in notices[0] and "default settings" in notices[0]


def test_environment_variables_override_the_urls_without_being_saved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAPERSHELF_ARXIV_API_URL", "http://127.0.0.1:1/api")
    monkeypatch.setenv("PAPERSHELF_ARXIV_PDF_URL", "http://127.0.0.1:1/pdf/")
    settings = Settings(arxiv_api_url="https://mirror.example/api/query")
    assert settings.api_url() == "http://127.0.0.1:1/api"
    assert settings.pdf_url() == "http://127.0.0.1:1/pdf/"
    assert set(settings.overridden_by_env()) == {"arxiv_api_url", "arxiv_pdf_url"}
    path = settings.save()
    assert json.loads(path.read_text())["arxiv_api_url"] == "https://mirror.example/api/query"
    monkeypatch.delenv("PAPERSHELF_ARXIV_API_URL")
    assert settings.api_url() == "https://mirror.example/api/query"


def test_arxiv_itself_is_never_asked_faster_than_its_terms_allow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PAPERSHELF_ARXIV_API_URL")
    monkeypatch.delenv("PAPERSHELF_ARXIV_PDF_URL")
    fast = Settings(api_interval_s=0.5, download_interval_s=0.1)
    assert fast.api_interval() == 3.0 and fast.download_interval() == 1.0
    mirror = Settings(
        api_interval_s=0.5,
        download_interval_s=0.1,
        arxiv_api_url="http://mirror.example/api/query",
        arxiv_pdf_url="http://mirror.example/pdf/",
    )
    assert mirror.api_interval() == 0.5 and mirror.download_interval() == 0.1
