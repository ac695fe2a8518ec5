"""The detail pane's line about a paper whose arXiv metadata could not be fetched: what
failed, why, and a Retry button (the PDF's own failure shows on the PDF row)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from desktop_app.core.paper import FetchState, Paper


class MetadataFailure(QFrame):
    """Shown while the paper's metadata fetch has failed; emits ``retry_clicked(key)``."""

    retry_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metadataFailure")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.key: str | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.label, 1)
        self.retry = QPushButton("Retry")
        self.retry.setToolTip("Ask arXiv for this paper's metadata again")
        self.retry.clicked.connect(self._retry)
        row.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

    def show_for(self, paper: Paper | None) -> None:
        """Show the failure of ``paper``'s metadata fetch, if it failed (else hide)."""
        failed = paper is not None and paper.metadata_state is FetchState.FAILED
        self.setVisible(failed)
        self.key = paper.key if failed and paper is not None else None
        if paper is not None and failed:
            reason = paper.metadata_error or "no reason was given"
            self.label.setText(f"Metadata could not be fetched: {reason}")
            self.label.setToolTip(reason)
            self.retry.setEnabled(True)

    def _retry(self) -> None:
        if self.key:
            self.retry.setEnabled(False)  # until the paper is shown again
            self.retry_clicked.emit(self.key)
