"""The Qt models of the library window, checked by Qt's model tester and as a view sees them."""

from __future__ import annotations

import datetime as dt
import locale
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView

from desktop_app.core import words
from desktop_app.core.search.api import PaperSummary
from desktop_app.core.words import title_sort_key
from desktop_app.gui.widgets import paper_model
from desktop_app.gui.widgets.paper_model import (
    COUNT_ROLE,
    KEY_ROLE,
    Column,
    PaperTableModel,
    abbreviate_authors,
)
from desktop_app.gui.widgets.sidebar_model import (
    ALL_ID,
    INBOX_ID,
    NodeKind,
    SidebarModel,
    SidebarNode,
)


def summary(key: str, **values: Any) -> PaperSummary:
    fields: dict[str, Any] = {
        "key": key,
        "arxiv_id": key,
        "title": f"Title {key}",
        "authors": ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"),
        "year": 2025,
        "status": "unread",
        "tags": (),
        "added": "2025-04-07T09:30:00Z",
        "rating": 0,
        "pdf_state": "none",
        "has_notes": False,
        "last_page": 0,
        "page_count": None,
    }
    fields.update(values)
    return PaperSummary(**fields)


ROWS = [
    summary("2504.00001", title="Zebra retrieval", year=2024, rating=3, tags=("rag/eval",)),
    summary("2504.00002", title="apple recommendation", status="read", pdf_state="done"),
    summary("2504.00003", title="Mango", status="new", pdf_state="failed", has_notes=True),
]


def test_the_paper_model_passes_the_model_tester(qapp: Any, qtmodeltester: Any) -> None:
    model = PaperTableModel()
    model.set_rows(ROWS)
    qtmodeltester.check(model, force_py=True)
    # The tester stays connected and checks every change that follows.
    model.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)
    model.set_rows(ROWS[1:])
    model.set_rows([])


def test_the_sidebar_model_passes_the_model_tester(qapp: Any, qtmodeltester: Any) -> None:
    model = SidebarModel()
    model.set_saved_searches([("Recent RAG", "rag added:30d"), ("Mine", "tag:me")])
    model.set_counts(ROWS)
    qtmodeltester.check(model, force_py=True)
    model.set_counts(ROWS[:1])  # tags change: the tree is rebuilt (the tester watches)
    model.set_saved_searches([])


def test_a_features_section_and_view_pass_the_model_tester(qapp: Any, qtmodeltester: Any) -> None:
    model = SidebarModel()
    model.set_counts(ROWS)
    qtmodeltester.check(model, force_py=True)
    feeds = [SidebarNode(f"feed:{n}", NodeKind.VIEW, n) for n in ("cs.IR", "cs.CL")]
    model.set_section("section:feeds", "Feeds", feeds)
    assert model.index_of("section:feeds").row() == model.index_of(INBOX_ID).row() + 1
    published = model.add_view("section:library", SidebarNode("view:published", NodeKind.VIEW, "P"))
    model.set_node_counts({"feed:cs.IR": 4, "view:published": 2})
    model.set_counts(ROWS)  # the window's counts leave the feature's alone
    assert (model.find("feed:cs.IR").count, published.count) == (4, 2)  # type: ignore[union-attr]
    model.set_section("section:feeds", "Feeds", feeds[:1])
    assert [n.label for n in model.find("section:feeds").children] == ["cs.IR"]  # type: ignore[union-attr]
    model.set_section("section:feeds", "Feeds", [])  # no feeds: no section
    assert model.find("section:feeds") is None


def test_cells_show_what_a_reader_expects(qapp: Any) -> None:
    model = PaperTableModel()
    model.set_rows(ROWS[:1])

    def cell(col: Column, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.data(model.index(0, col), role)

    assert cell(Column.TITLE) == "Zebra retrieval"
    assert cell(Column.AUTHORS) == "Lovelace et al."
    assert cell(Column.YEAR) == "2024"
    assert cell(Column.TAGS) == "rag/eval"
    assert cell(Column.RATING) == "★★★"
    assert cell(Column.STATUS, Qt.ItemDataRole.ToolTipRole) == "Unread"
    assert not cell(Column.STATUS, Qt.ItemDataRole.DecorationRole).isNull()
    assert cell(Column.TITLE, KEY_ROLE) == "2504.00001"
    assert model.data(model.index(5, 0)) is None  # out of range: None, never an exception
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)] == [
        "Title", "Authors", "Year", "Status", "Tags", "Added", "Rating", "PDF",
    ]  # fmt: skip


def test_authors_are_abbreviated() -> None:
    assert abbreviate_authors([]) == ""
    assert abbreviate_authors(["Maarten de Rijke"]) == "Rijke"
    assert abbreviate_authors(["Lovelace, Ada", "Alan Turing"]) == "Lovelace & Turing"
    assert abbreviate_authors(["A B", "C D", "E F"]) == "B, D & F"


def test_sorting_and_refreshing_keep_the_selected_paper() -> None:
    model = PaperTableModel()
    model.set_rows(ROWS)
    selected = QPersistentModelIndex(model.index(0, 0))  # Zebra
    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    assert model.keys() == ["2504.00002", "2504.00003", "2504.00001"]
    assert selected.row() == 2
    model.set_rows([ROWS[0], ROWS[1]])  # Mango left the view
    assert selected.isValid() and selected.data(KEY_ROLE) == "2504.00001"
    changed: list[int] = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append(a.row()))
    model.set_rows([ROWS[0], summary("2504.00002", title="apple recommendation", rating=5)])
    assert changed == [0]  # only the row that changed is repainted (sorted: apple first)


def test_sidebar_counts_follow_the_rows_and_tags_form_a_tree() -> None:
    model = SidebarModel()
    recent = dt.datetime.now(dt.UTC).isoformat()
    rows = [*ROWS, summary("2504.00004", tags=("rag",), added=recent)]
    model.set_counts(rows)
    assert model.find(INBOX_ID).count == 1  # type: ignore[union-attr]
    assert model.find(ALL_ID).count == 3  # type: ignore[union-attr]
    assert model.find("view:read").count == 1  # type: ignore[union-attr]
    assert model.find("view:recent").count == 1  # type: ignore[union-attr]
    assert model.find("view:failed").count == 1  # type: ignore[union-attr]
    rag = model.index_of("tag:rag")
    assert rag.data(COUNT_ROLE) == 2
    assert model.rowCount(rag) == 1
    child = model.index(0, 0, rag)
    assert child.data() == "eval" and child.data(COUNT_ROLE) == 1
    assert model.parent(child) == rag
    section = model.index_of("section:tags")
    assert model.node(section).kind is NodeKind.SECTION
    assert not model.flags(section) & Qt.ItemFlag.ItemIsSelectable
    assert model.parent(QModelIndex()) == QModelIndex()


def test_multidata_answers_as_data_does(qapp: Any) -> None:
    from PySide6.QtCore import QModelRoleData

    model = PaperTableModel()
    model.set_rows(ROWS)
    for col in Column:
        index = model.index(2, col)
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, KEY_ROLE):
            asked = QModelRoleData(role)
            model.multiData(index, asked)
            assert asked.data() == model.data(index, role)


@pytest.mark.parametrize(
    "titles",
    [
        ["The Zebra", "An Apple", "banana", "Écoles", "A Mango"],
        [
            *["Zebra", "Ødegaard's lemma", "Éclair", "Ångström units", "apple", "Ecz", "Oz"],
            *["eclair", "Eclair", "Ærø", "The Über model", "uber", "BERT: Pre", "BERT-based"],
            *["BERT based", "10 things", "2 things", "“Quoted” title", "a_b", "a(b", "a.b"],
            *["Straße", "strasse", "bert x", "BERT x", "bert-y", "BERT-y", "BERTology"],
        ],
    ],
)
def test_the_title_column_sorts_as_the_command_line_and_the_index_do(
    qapp: Any, titles: list[str]
) -> None:
    """The list sorts with Qt's QCollator, the CLI and the index with core's key: the same
    order, Ångström, Éclair, Ødegaard with A, E, O (issue #14)."""
    model = PaperTableModel()
    model.set_rows([summary(f"2504.0000{i}", title=t) for i, t in enumerate(titles)])
    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    shown = [model.data(model.index(r, Column.TITLE)) for r in range(model.rowCount())]
    assert shown == sorted(titles, key=title_sort_key)
    if len(titles) == 5:
        assert shown == ["An Apple", "banana", "Écoles", "A Mango", "The Zebra"]


@pytest.mark.parametrize("name", ["en_US.UTF-8", "da_DK.UTF-8"])
def test_the_title_orders_agree_under_a_users_locale(
    qapp: Any, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a locale of the user's, core sorts by the C library's collation and the list
    by ICU's (QCollator): the same order, Danish putting Æ, Ø and Å after Z."""
    try:
        locale.setlocale(locale.LC_COLLATE, name)
    except locale.Error:
        pytest.skip(f"the locale {name} is not installed here")
    titles = ["Zebra", "Ødegaard's lemma", "Éclair", "Ångström units", "apple", "Ecz", "Oz"]
    titles += ["eclair", "Eclair", "Ærø", "The Über model", "uber", "BERT: Pre", "BERT-based"]
    titles += ["BERT based", "10 things", "2 things", "a_b", "a(b", "a.b", "Aa", "AB"]
    titles += ["bert x", "BERT x", "bert-y", "BERT-y", "BERTology", "Straße", "strasse"]
    before = QLocale()
    try:
        monkeypatch.setenv("LC_ALL", name)
        assert words.collate_by_user_locale() is not None
        QLocale.setDefault(QLocale(name.split(".")[0]))
        paper_model._collator.cache_clear()
        model = PaperTableModel()
        model.set_rows([summary(f"2504.{i:05d}", title=t) for i, t in enumerate(titles)])
        model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
        shown = [model.data(model.index(r, Column.TITLE)) for r in range(model.rowCount())]
        assert shown == sorted(titles, key=title_sort_key)
        if name.startswith("da"):
            assert shown[-4:] == ["Ærø", "Ødegaard's lemma", "Aa", "Ångström units"]
        else:
            assert shown.index("Ødegaard's lemma") < shown.index("Zebra")
    finally:
        monkeypatch.setenv("LC_ALL", "C")
        words.collate_by_user_locale()
        QLocale.setDefault(before)
        paper_model._collator.cache_clear()


def test_a_list_sorted_by_title_follows_edited_titles(qapp: Any) -> None:
    """The list keeps each title's sort key (a refresh sorts 10,000 rows again): an edited
    title sorts by what it says now; asking again for the order it has changes nothing."""
    model = PaperTableModel()
    model.set_rows([summary(f"2504.0000{i}", title=t) for i, t in enumerate("cab")])
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(Column.TITLE, Qt.SortOrder.AscendingOrder)
    titles = lambda: [model.data(model.index(r, Column.TITLE)) for r in range(3)]  # noqa: E731
    assert titles() == ["a", "b", "c"]
    model.set_rows([summary(f"2504.0000{i}", title=t) for i, t in enumerate(["c", "z", "b"])])
    assert titles() == ["b", "c", "z"]
    view.sortByColumn(Column.TITLE, Qt.SortOrder.AscendingOrder)
    assert titles() == ["b", "c", "z"]
    view.sortByColumn(Column.TITLE, Qt.SortOrder.DescendingOrder)
    assert titles() == ["z", "c", "b"]
