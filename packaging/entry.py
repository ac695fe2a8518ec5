"""The frozen app's entry point (PyInstaller's script; ``python -m desktop_app`` elsewhere).

A frozen app has no Python interpreter to start helper processes with, so it is its own
PDF text worker (see :mod:`desktop_app.core.pdftext`): started with the worker flag, it
serves as the worker and exits; otherwise it runs the command line, which opens the
desktop app when no command is given.
"""

from __future__ import annotations

import sys

from desktop_app.core.pdftext import run_worker_if_requested

run_worker_if_requested()

from desktop_app.cli import main  # noqa: E402  (after the worker check: a worker needs no CLI)

sys.exit(main())
