"""Writing benchmark figures into tests/bench/RESULTS.md, one section per benchmark."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(section: str, lines: list[str], path: Path = RESULTS) -> None:
    """Replace the ``## section`` of RESULTS.md with ``lines``, keeping the other sections."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    head = f"## {section}"
    body = "\n".join([head, "", *lines]) + "\n"
    if head in text:
        before, rest = text.split(head, 1)
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = before + body + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.write_text(text, encoding="utf-8")
