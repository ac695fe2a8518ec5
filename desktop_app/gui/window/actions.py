"""Every action of the library window in one table: its name, text, shortcut, menu, icon.

:data:`ACTIONS` lists the menus in the order they show, entry by entry: actions, separators
and submenus. The window builds every action from it (:func:`build_actions`) and connects
the slots of its own; a feature asks its host for an action by name and connects its slot
(``host.on_action("trash", self.show_trash)``). So a shortcut or a menu position is changed
here and nowhere else, and a clash between two shortcuts shows in one place (a test checks).

Scopes: a :attr:`Scope.WINDOW` action works anywhere in the window; :attr:`Scope.LIST` ones
(the one-key shortcuts) only while the paper list has the focus, so typing in the search
field, the tags or the notes is never taken for a command; :attr:`Scope.TABS` ones while the
centre tabs (the library or a reader) have it. Actions with ``needs_selection`` are enabled
only while papers are selected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from desktop_app import APP_NAME
from desktop_app.core.interop.export import ExportFormat
from desktop_app.gui import icons
from desktop_app.gui.widgets.paper_model import Column

Shortcut = str | QKeySequence.StandardKey


class Scope(Enum):
    """Where an action's shortcut works (see the module docstring)."""

    WINDOW = "window"
    LIST = "list"
    TABS = "tabs"


@dataclass(frozen=True)
class ActionSpec:
    """One action: ``menu`` is a menu path of :data:`MENUS` (None: in no menu)."""

    name: str
    text: str
    menu: str | None
    shortcuts: tuple[Shortcut, ...] = ()
    icon: str | None = None
    tip: str | None = None
    scope: Scope = Scope.WINDOW
    needs_selection: bool = False
    checkable: bool = False
    enabled: bool = True
    role: QAction.MenuRole | None = None
    #: A shortcut for platforms whose standard key is empty (Preferences on some desktops).
    fallback: str | None = None


@dataclass(frozen=True)
class Separator:
    """A separator line in a menu."""

    menu: str


@dataclass(frozen=True)
class Submenu:
    """A submenu, at this position in its parent menu (``"file/export"`` sits in ``file``)."""

    menu: str

    @property
    def parent(self) -> str:
        return self.menu.rsplit("/", 1)[0]


Entry = ActionSpec | Separator | Submenu

#: The menus' titles, by path; the menu bar shows the top-level ones in this order.
MENUS: dict[str, str] = {
    "file": "&File",
    "file/export": "&Export",
    "edit": "&Edit",
    "paper": "&Paper",
    "paper/rating": "Ra&ting",
    "paper/annotate": "&Annotate",
    "view": "&View",
    "view/columns": "&Columns",
    "tools": "&Tools",
    "help": "&Help",
}


def rating_label(n: int) -> str:
    """``★★ (2)``; 0 is ``No Rating``."""
    return f"{'★' * n} ({n})" if n else "No Rating"


def _a(name: str, text: str, menu: str | None, *shortcuts: Shortcut, **kw: object) -> ActionSpec:
    return ActionSpec(name, text, menu, tuple(shortcuts), **kw)  # type: ignore[arg-type]


_STANDARD = QKeySequence.StandardKey
_ON_LIST: dict[str, object] = {"scope": Scope.LIST, "needs_selection": True}
_SELECTED: dict[str, object] = {"needs_selection": True}

#: Every action of the window and its features, menu by menu, in the order they show.
ACTIONS: tuple[Entry, ...] = (
    # -- File
    _a("add", "&Add Papers…", "file", "Ctrl+N", icon="add",
       tip="Add papers by arXiv ID or link"),
    _a("import_digest", "&Import Digest…", "file", "Ctrl+I", icon="import",
       tip="Import a daily arXiv digest (Markdown) into the inbox"),
    _a("sample", "Try the &Sample Digest", "file", icon="sample"),
    Separator("file"),
    _a("import_bibtex", "Import &BibTeX…", "file"),
    _a("add_pdfs", "Add &PDFs…", "file"),
    _a("add_folder", "Add a Folder of P&DFs…", "file"),
    Submenu("file/export"),
    *(_a(f"export_{fmt.value}", f"{fmt.label}…", "file/export") for fmt in ExportFormat),
    Separator("file"),
    _a("library_folder", "Show Library &Folder", "file", icon="folder"),
    Separator("file"),
    _a("merge_conflicts", "&Merge Sync Conflicts", "file", icon="merge", enabled=False),
    Separator("file"),
    _a("quit", "&Quit", "file", _STANDARD.Quit, role=QAction.MenuRole.QuitRole),
    # -- Edit
    _a("undo", "&Undo", "edit", _STANDARD.Undo, icon="undo", enabled=False),
    Separator("edit"),
    _a("find", "&Find", "edit", _STANDARD.Find, icon="search", tip="Search the library"),
    _a("save_search", "&Save Search…", "edit", "Ctrl+Shift+S", icon="saved-search"),
    _a("rename_search", "&Rename Saved Search…", "edit"),
    _a("delete_search", "&Delete Saved Search", "edit"),
    Separator("edit"),
    _a("preferences", "&Preferences…", "edit", _STANDARD.Preferences, icon="preferences",
       role=QAction.MenuRole.PreferencesRole, fallback="Ctrl+,"),
    Separator("edit"),
    _a("copy_citation", "Copy &Citation", "edit", "Ctrl+Shift+C",
       tip="Copy the selected papers' BibTeX", **_SELECTED),
    # -- Paper
    _a("open_pdf", "&Open PDF", "paper", "Return", "Enter", icon="open", **_ON_LIST),
    _a("open_externally", "Open in S&ystem Viewer", "paper", "Ctrl+Shift+O", **_SELECTED),
    _a("download_pdf", "&Download PDF", "paper", "Ctrl+D", icon="download", **_SELECTED),
    _a("show_in_folder", "Show in F&older", "paper", icon="folder", **_SELECTED),
    Separator("paper"),
    _a("cycle_status", "&Cycle Status", "paper", "Space", **_ON_LIST),
    _a("mark_unread", "Mark &Unread", "paper", icon="status-unread", **_SELECTED),
    _a("mark_reading", "Mark &Reading", "paper", icon="status-reading", **_SELECTED),
    _a("mark_read", "Mark R&ead", "paper", icon="status-read", **_SELECTED),
    Submenu("paper/rating"),
    *(_a(f"rate_{n}", rating_label(n), "paper/rating", str(n), **_ON_LIST)
      for n in (1, 2, 3, 4, 5, 0)),
    Separator("paper"),
    _a("add_tag", "Add &Tag…", "paper", "Ctrl+T", icon="tag", **_SELECTED),
    _a("remove_tag", "Remo&ve Tag…", "paper", "Ctrl+Shift+T", **_SELECTED),
    _a("reextract", "Extract Te&xt Again", "paper", **_SELECTED),
    _a("keep", "&Keep", "paper", "K", icon="keep",
       tip="Keep the paper: it becomes unread and its PDF is fetched", **_ON_LIST),
    _a("dismiss", "D&ismiss", "paper", "D", icon="dismiss",
       tip="Dismiss: to the trash; digests will not bring it back", **_ON_LIST),
    Separator("paper"),
    _a("delete", "Move to &Trash", "paper", "Delete", "Backspace", icon="trash", **_ON_LIST),
    Separator("paper"),
    _a("close_tab", "&Close Reader Tab", "paper", "Ctrl+W", "Ctrl+F4", icon="close",
       scope=Scope.TABS, enabled=False),
    Submenu("paper/annotate"),  # the reader's annotation actions (features/annotations.py)
    # -- View
    _a("view_inbox", "&Inbox", "view", "Ctrl+1", icon="inbox"),
    _a("view_all", "&All Papers", "view", "Ctrl+2", icon="all"),
    _a("view_unread", "&Unread", "view", "Ctrl+3"),
    _a("view_reading", "&Reading", "view", "Ctrl+4"),
    _a("view_read", "R&ead", "view", "Ctrl+5"),
    Separator("view"),
    _a("show_sidebar", "Show &Sidebar", "view", "Ctrl+Shift+B", checkable=True),
    _a("show_details", "Show &Details", "view", "Ctrl+Shift+D", checkable=True),
    Submenu("view/columns"),
    *(_a(f"column_{col.name.lower()}", col.label, "view/columns", checkable=True,
         enabled=col != Column.TITLE) for col in Column),
    _a("sort_by_relevance", "Sort by &Relevance", "view"),
    Separator("view"),
    _a("trash", "&Trash", "view", "Ctrl+Shift+Delete", icon="trash"),
    # -- Tools
    _a("merge_duplicates", "&Merge Duplicates…", "tools"),
    # -- Help
    _a("syntax", "Search S&yntax", "help", "F1", icon="help"),
    _a("about", f"&About {APP_NAME}", "help", icon="about", role=QAction.MenuRole.AboutRole),
)  # fmt: skip


def column_action_name(column: Column) -> str:
    return f"column_{column.name.lower()}"


class Actions:
    """The actions built from :data:`ACTIONS`, by name, and the menus they sit in."""

    def __init__(self) -> None:
        self.by_name: dict[str, QAction] = {}
        self.specs: dict[str, ActionSpec] = {}
        self.menus: dict[str, QMenu] = {}
        self._themed: list[tuple[QAction, str]] = []

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def needing_selection(self) -> list[QAction]:
        return [self.by_name[n] for n, spec in self.specs.items() if spec.needs_selection]

    def refresh_icons(self) -> None:
        """Re-tint the line icons (after the palette changed)."""
        for action, name in self._themed:
            action.setIcon(icons.icon(name))

    def add(self, menu: str, action: QAction) -> None:
        """Append an action made elsewhere (a feature's own) to a named menu."""
        self.menus[menu].addAction(action)


def build_actions(
    window: QWidget,
    menu_bar: QMenuBar,
    scopes: dict[Scope, QWidget],
    entries: Iterable[Entry] = ACTIONS,
) -> Actions:
    """Build every action and menu of ``entries``; ``scopes`` gives each scope's widget."""
    actions = Actions()
    for entry in entries:
        if isinstance(entry, Submenu):
            parent = _menu(actions, menu_bar, entry.parent)
            actions.menus[entry.menu] = parent.addMenu(MENUS[entry.menu])
        elif isinstance(entry, Separator):
            _menu(actions, menu_bar, entry.menu).addSeparator()
        else:
            action = _action(entry, window, actions)
            scopes[entry.scope].addAction(action)
            if entry.menu is not None:
                _menu(actions, menu_bar, entry.menu).addAction(action)
    return actions


def _menu(actions: Actions, bar: QMenuBar, path: str) -> QMenu:
    if path not in actions.menus:
        actions.menus[path] = bar.addMenu(MENUS[path])
    return actions.menus[path]


def _action(spec: ActionSpec, parent: QObject, actions: Actions) -> QAction:
    action = QAction(spec.text, parent)
    keys = _keys(spec.shortcuts)
    if len(keys) == 1:
        action.setShortcut(keys[0])
    elif keys:
        action.setShortcuts(keys)
    if spec.fallback and action.shortcut().isEmpty():
        action.setShortcut(QKeySequence(spec.fallback))
    if spec.icon:
        action.setIcon(icons.icon(spec.icon))
        actions._themed.append((action, spec.icon))
    if spec.tip:
        action.setStatusTip(spec.tip)
        action.setToolTip(spec.tip)
    if spec.scope is not Scope.WINDOW:
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    if spec.checkable:
        action.setCheckable(True)
        action.setChecked(True)
    if spec.role is not None:
        action.setMenuRole(spec.role)
    action.setEnabled(spec.enabled)
    actions.by_name[spec.name] = action
    actions.specs[spec.name] = spec
    return action


def _keys(shortcuts: Sequence[Shortcut]) -> list[QKeySequence]:
    return [QKeySequence(s) for s in shortcuts]
