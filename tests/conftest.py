"""Shared fixtures: a temporary library, private cache/config dirs, no internet.

Every test runs headless (QT_QPA_PLATFORM=offscreen) and with its own cache and config
folders, so nothing touches the user's real files. Any attempt to connect to an address
other than loopback fails the test: recorded answers are served by local servers.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise AssertionError(f"a test tried to reach the network: {address!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _private_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path_factory.mktemp("papershelf-home")
    monkeypatch.setenv("PAPERSHELF_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("PAPERSHELF_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("PAPERSHELF_LOG_DIR", str(base / "log"))
    monkeypatch.setenv("PAPERSHELF_STATE_DIR", str(base / "state"))
    monkeypatch.setenv("PAPERSHELF_LIBRARY", str(base / "default-library"))
    # Never the real arXiv, even if a test forgets to point the client at its server.
    monkeypatch.setenv("PAPERSHELF_ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("PAPERSHELF_ARXIV_PDF_URL", "http://127.0.0.1:9/pdf/")


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library"


@pytest.fixture
def library(library_path: Path) -> Iterator[object]:
    from desktop_app.core.library import Library

    yield Library.open(library_path)


@pytest.fixture
def arxiv_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A local arXiv (tests/helpers/arxiv_server.py) that the arXiv URLs of the environment name."""
    from tests.helpers.arxiv_server import ArxivServer

    with ArxivServer() as server:
        monkeypatch.setenv("PAPERSHELF_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("PAPERSHELF_ARXIV_PDF_URL", server.pdf_url)
        yield server
