"""Run the tools a .bib file is written for, and list their errors.

- ``bibtex`` with ``plain.bst`` over every entry (``\\nocite{*}``): its error messages
  ("I was expecting a `,' or a `}'", "Repeated entry", ...); warnings (an empty field) are not
  errors;
- ``biber --tool``: its ``ERROR`` lines, and the ``WARN`` lines that say data was dropped
  (a name "skipped", an entry "skipping");
- pybtex in strict mode (its default): every error it would raise while reading the file
  and its names, and while formatting each entry with its ``plain`` style.

Each function returns the list of errors, or None when the tool is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path


def bibtex_errors(bib: Path) -> list[str] | None:
    """bibtex's error messages over ``bib`` with plain.bst (None: bibtex is not installed)."""
    if shutil.which("bibtex") is None:
        return None
    folder = bib.parent
    aux = folder / f"{bib.stem}-check.aux"
    aux.write_text(
        f"\\relax\n\\citation{{*}}\n\\bibstyle{{plain}}\n\\bibdata{{{bib.stem}}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["bibtex", "-terse", aux.stem],
        capture_output=True,
        text=True,
        errors="replace",
        cwd=folder,
        timeout=120,
    )
    lines = (result.stdout + result.stderr).splitlines()
    errors: list[str] = []
    for i, line in enumerate(lines):
        # An error reads "message---line N of file x" ("message\nwhile executing---line N
        # of file plain.bst" in a style); "Warning--" lines are warnings.
        if "---line" in line or "---while" in line:
            message, where = line.split("---", 1)
            if message.strip() in ("while executing", "") and i > 0:
                message = lines[i - 1]
            errors.append(f"{message.strip()} ({where.strip()})")
    if result.returncode >= 2 and not errors:
        errors.append(f"bibtex exited with {result.returncode}: {' '.join(lines[-3:])}")
    return errors


#: biber's warnings that mean an entry or a name was lost or misread.
_BIBER_DROPPED = re.compile(
    r"skip|too many commas|duplicate|case mismatch|BibTeX subsystem", re.IGNORECASE
)


def biber_errors(bib: Path) -> list[str] | None:
    """biber --tool's errors over ``bib`` (None: biber is not installed)."""
    if shutil.which("biber") is None:
        return None
    out = bib.with_name(f"{bib.stem}-biber-out.bib")
    result = subprocess.run(
        ["biber", "--tool", "--output-file", str(out), str(bib)],
        capture_output=True,
        text=True,
        errors="replace",
        cwd=bib.parent,
        timeout=300,
    )
    errors = []
    for line in (result.stdout + result.stderr).splitlines():
        level, _, message = line.partition(" - ")
        if level == "ERROR" or (level == "WARN" and _BIBER_DROPPED.search(message)):
            errors.append(message.strip())
    if result.returncode != 0 and not errors:
        errors.append(f"biber exited with {result.returncode}")
    return errors


def pybtex_errors(bib: Path, *, format_with_plain: bool = True) -> list[str] | None:
    """What pybtex in strict mode would raise over ``bib`` (None: pybtex is not installed);
    ``format_with_plain``: each entry is formatted with pybtex's ``plain`` style too."""
    try:
        from pybtex.database import parse_string
        from pybtex.errors import capture
        from pybtex.plugin import find_plugin
    except ImportError:
        return None
    text = bib.read_text(encoding="utf-8")
    raised: list[str] = []
    with capture() as captured:  # what strict mode raises, collected instead
        try:
            data = parse_string(text, "bibtex")
        except Exception as e:  # a fatal error
            return [*map(str, captured), f"{type(e).__name__}: {e}"]
        if format_with_plain:
            style = find_plugin("pybtex.style.formatting", "plain")()
            for key, entry in data.entries.items():
                try:
                    list(style.format_entries([entry]))
                except Exception as e:
                    raised.append(f"{key}: {type(e).__name__}: {e}")
        return [str(e) for e in captured] + raised


def all_errors(bib: Path, dialect: str = "bibtex") -> dict[str, list[str] | None]:
    """The three tools' errors over ``bib``; bibtex only for the ``bibtex`` dialect."""
    result: dict[str, list[str] | None] = {}
    if dialect == "bibtex":
        result["bibtex"] = bibtex_errors(bib)
    result["biber"] = biber_errors(bib)
    result["pybtex"] = pybtex_errors(bib, format_with_plain=dialect == "bibtex")
    return result
