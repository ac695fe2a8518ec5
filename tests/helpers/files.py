"""Where the tests find their files: the repository, ../shared and its real test data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
TESTDATA = SHARED / "testdata"
SAMPLE_DIGEST = ROOT / "resources" / "sample-digest.md"


def testdata(*parts: str) -> Path:
    """A file of ../shared/testdata; the test is skipped when that folder is absent."""
    path = TESTDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/testdata is not here ({path} missing)")
    return path
