"""Papershelf: an offline reading list of arXiv papers (core, command line and Qt app)."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "Papershelf"
APP_ID = "io.github.papershelf.Papershelf"
HOME_PAGE = "https://github.com/papershelf/papershelf"
