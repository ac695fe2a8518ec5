"""The frozen app's entry point (PyInstaller's script; ``python -m desktop_app`` elsewhere).

A frozen app has no Python interpreter to start helper processes with, so it is its own
worker: the core starts ``sys.executable <worker flag> ...`` when frozen (PDF text
extraction, the parallel full-text rebuild), and this script hands such a start to the
module that serves it. Anything else runs the command line, which opens the desktop app
when no command is given.
"""

from __future__ import annotations

import importlib
import sys

#: Each worker flag (``WORKER_FLAG`` of its module) and the module that serves it with
#: ``run_worker_if_requested()``; tests/test_packaging.py checks the table against the core.
WORKERS = {
    "--papershelf-pdftext-worker": "desktop_app.core.pdf.text",
    "--papershelf-index-worker": "desktop_app.core.search.whoosh.rebuild",
}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in WORKERS:
        # Imported only for a worker: the index module alone takes ~0.1 s to load.
        importlib.import_module(WORKERS[sys.argv[1]]).run_worker_if_requested()  # exits
    from desktop_app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
