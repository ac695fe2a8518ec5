"""Where Papershelf keeps things, resolved in one place from platformdirs.

Nothing is computed or created at import time; the environment variables let tests and
users move every location.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_DIR_NAME = "papershelf"

ENV_LIBRARY = "PAPERSHELF_LIBRARY"
ENV_CACHE = "PAPERSHELF_CACHE_DIR"
ENV_CONFIG = "PAPERSHELF_CONFIG_DIR"
ENV_LOG = "PAPERSHELF_LOG_DIR"
ENV_STATE = "PAPERSHELF_STATE_DIR"

#: The log file in :func:`log_dir`: the app's log, and the tracebacks of failed commands.
LOG_FILE = "papershelf.log"


def default_library(configured: str | None = None) -> Path:
    """``$PAPERSHELF_LIBRARY``, else ``configured`` (the library chosen in Preferences,
    ``Settings.library_path``), else ``<Documents>/Papershelf``."""
    if env := os.environ.get(ENV_LIBRARY):
        return Path(env).expanduser()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_documents_dir()) / "Papershelf"


def cache_dir() -> Path:
    if env := os.environ.get(ENV_CACHE):
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir(APP_DIR_NAME))


def config_dir() -> Path:
    if env := os.environ.get(ENV_CONFIG):
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_DIR_NAME))


def state_dir() -> Path:
    """What the app remembers between runs that is neither a setting nor disposable: the
    arXiv access block, the window's geometry (``~/.local/state/papershelf`` on Linux).
    Unlike the cache, clearing it changes behaviour (a 403 block must survive a cleared
    cache); unlike the config, it is not for the user to edit."""
    if env := os.environ.get(ENV_STATE):
        return Path(env).expanduser()
    return Path(platformdirs.user_state_dir(APP_DIR_NAME))


def state_file(name: str, *, formerly_in: Path) -> Path:
    """The file ``name`` of :func:`state_dir`; one an older version kept in the folder
    ``formerly_in`` is moved there first (once: afterwards there is none to move)."""
    path = state_dir() / name
    old = formerly_in / name
    if old.is_file() and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(old, path)
            log.info("moved %s to %s", old, path)
        except OSError as e:  # read-only, say: keep using the old place
            log.warning("cannot move %s to %s: %s", old, path, e)
            return old
    return path


def log_dir() -> Path:
    if env := os.environ.get(ENV_LOG):
        return Path(env).expanduser()
    return Path(platformdirs.user_log_dir(APP_DIR_NAME))


def library_cache_dir(library_root: Path) -> Path:
    """The cache folder of one library (its index), named after the library's path."""
    resolved = str(library_root.resolve())
    digest = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:12]
    return cache_dir() / "libraries" / f"{library_root.name or 'library'}-{digest}"


def text_cache_dir() -> Path:
    """Extracted PDF text, keyed by the PDF's SHA-256 (shared by every library)."""
    return cache_dir() / "text"
