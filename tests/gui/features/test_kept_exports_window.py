"""Kept exports in the open app: a .bib file follows the papers; Preferences lists and stops."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.arxiv.ids import parse
from desktop_app.core.interop import kept_exports
from desktop_app.core.interop.kept_exports import KeptExport
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.gui.features import kept_exports as kept_feature
from desktop_app.gui.features.kept_exports import KeptExportsFeature
from desktop_app.gui.features.preferences import KeptExportModel, PreferencesFeature
from tests.helpers.window import WAIT_MS, Factory, feature


@pytest.fixture
def papers(library: Library, monkeypatch: pytest.MonkeyPatch) -> Library:
    monkeypatch.setattr(kept_feature, "DEBOUNCE_MS", 50)
    for aid, title, tags in (
        ("2504.05220v1", "Leveraging LLMs", ["rag"]),
        ("2504.05217v1", "Live-Streaming Recommendation", ["recsys"]),
    ):
        library.add(Paper.from_arxiv(parse(aid), title=title, authors=["H. Zhang"], tags=tags))
    return library


def test_a_kept_file_follows_a_change_made_in_the_window(
    qtbot: QtBot, make_window: Factory, papers: Library, tmp_path: Path
) -> None:
    refs = tmp_path / "refs.bib"
    kept_exports.keep(papers, refs, "bibtex", "tag:rag")  # as the CLI records it
    window = make_window(fetch=False)
    kept = feature(window, KeptExportsFeature)
    with qtbot.waitSignal(kept.refreshed, timeout=WAIT_MS) as done:
        window.bridge.set_tags("2504.05217", ["recsys", "rag"])
    (result,) = done.args[0]
    assert result.written and result.papers == 2
    assert "Live-Streaming" in refs.read_text(encoding="utf-8")
    inode = refs.stat().st_ino
    # A change that does not show in the file leaves it alone.
    with qtbot.waitSignal(kept.refreshed, timeout=WAIT_MS) as done:
        window.bridge.set_rating(["2504.05220"], 4)
    assert not done.args[0][0].written and refs.stat().st_ino == inode


def test_preferences_list_the_kept_exports_and_stop_one(
    qtbot: QtBot, make_window: Factory, papers: Library, tmp_path: Path
) -> None:
    first = kept_exports.keep(papers, tmp_path / "a.bib", "bibtex", "tag:rag")
    second = kept_exports.keep(papers, tmp_path / "b.bib", "biblatex")
    window = make_window(fetch=False)
    dialog = feature(window, PreferencesFeature).show_preferences()
    qtbot.waitUntil(lambda: dialog.kept_model.rowCount() == 2, timeout=WAIT_MS)
    assert dialog.kept_list.isVisibleTo(dialog) and not dialog.kept_empty.isVisibleTo(dialog)
    assert "papers matching tag:rag" in dialog.kept_model.exports[0].label
    dialog.kept_list.setCurrentIndex(dialog.kept_model.index(0))
    dialog.stop_kept_button.click()
    assert dialog.kept_model.exports == [second] and dialog.stopped_exports == [first]
    assert kept_exports.kept_exports(papers) == [first, second]  # nothing written before OK
    dialog.accept()
    qtbot.waitUntil(lambda: kept_exports.kept_exports(papers) == [second], timeout=WAIT_MS)


def test_the_kept_export_model(qtmodeltester: object, tmp_path: Path) -> None:
    model = KeptExportModel()
    model.set_exports(
        [KeptExport(str(tmp_path), str(tmp_path / f"{n}.bib"), "bibtex") for n in "ab"]
    )
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.remove(0).path.endswith("a.bib") and model.rowCount() == 1
