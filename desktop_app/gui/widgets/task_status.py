"""The status bar's view of background work: what runs, its progress, and a Cancel button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from desktop_app.gui import icons
from desktop_app.gui.tasks import TaskInfo, TaskRunner


class TaskStatus(QWidget):
    """Shows the oldest visible task (and how many more run); hidden when idle."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(6)
        self.label = QLabel()
        self.label.setAccessibleName("Background work")
        layout.addWidget(self.label)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setMaximumHeight(16)
        self.bar.setTextVisible(False)
        layout.addWidget(self.bar)
        self.cancel = QToolButton()
        self.cancel.setIcon(icons.icon("cancel"))
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop the background work (what is done so far stays)")
        self.cancel.setAutoRaise(True)
        self.cancel.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cancel.clicked.connect(runner.cancel_all)
        layout.addWidget(self.cancel)
        runner.task_started.connect(self._refresh)
        runner.task_progressed.connect(self._refresh)
        runner.task_ended.connect(self._refresh)
        self.setVisible(False)

    def _refresh(self, _info: TaskInfo | None = None) -> None:
        tasks = list(self.runner.visible.values())
        self.setVisible(bool(tasks))
        if not tasks:
            return
        info = tasks[0]
        text = info.message or info.title
        if info.total and info.percent:
            text += f" — {info.done / info.total:.0%}"
        elif info.total:
            text += f" — {info.done:,} of {info.total:,}"
        if len(tasks) > 1:
            text += f" (and {len(tasks) - 1} more)"
        self.label.setText(text)
        self.setToolTip("\n".join(t.title for t in tasks))
        if info.total:
            self.bar.setRange(0, info.total)
            self.bar.setValue(info.done)
        else:
            self.bar.setRange(0, 0)  # busy, size unknown

    def refresh_icons(self) -> None:
        self.cancel.setIcon(icons.icon("cancel"))
