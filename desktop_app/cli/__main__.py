"""Run the command line as ``python -m desktop_app.cli`` (as ``python -m desktop_app`` does)."""

from __future__ import annotations

import sys

from desktop_app.cli import main

sys.exit(main())
