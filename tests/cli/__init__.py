"""Tests of the ``papershelf`` command line (desktop_app/cli/), one module per command group.

A package, so that these modules may share their names with the core's tests they mirror
(tests/cli/test_library.py beside tests/core/test_library.py).
"""
