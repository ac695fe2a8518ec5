"""desktop_app/cli/output.py: column widths, the progress line, papers in words.

The ``--json`` shapes it builds are pinned command by command in test_json_golden.py.
"""

from __future__ import annotations

import io

import pytest

from desktop_app.cli.output import ProgressLine, describe_status, fit, print_table, text_width
from desktop_app.core.paper import Paper, Status


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wide_characters_take_two_columns_and_cuts_end_with_an_ellipsis() -> None:
    assert text_width("abc") == 3 and text_width("論文") == 4 and text_width("e\u0301") == 1
    assert fit("Dense retrieval", 20) == "Dense retrieval"
    assert fit("Dense retrieval", 8) == "Dense r…"
    assert fit("Dense retrieval", 7) == "Dense…"  # no space before the ellipsis
    assert text_width(fit("論文論文論文", 7)) <= 7


def test_a_table_aligns_its_columns(capsys: pytest.CaptureFixture[str]) -> None:
    print_table(["ID", "TITLE"], [["2504.05220", "Dense"], ["x", "論文 "]])
    assert capsys.readouterr().out.splitlines() == [
        "ID          TITLE",
        "2504.05220  Dense",
        "x           論文",
    ]
    print_table(["", ""], [["added", "x"]])  # no headers: a report
    assert capsys.readouterr().out == "added  x\n"


def test_the_progress_line_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    with ProgressLine("indexing") as show:
        show(0, 0)  # nothing to count: nothing shown
        assert err.getvalue() == ""
        show(1, 4)
        show(4, 4)
        show.show("checked 2/9")
    assert err.getvalue() == (
        "\r\x1b[Kindexing 25%\r\x1b[Kindexing 100%\r\x1b[Kchecked 2/9\r\x1b[K"
    )


def test_the_progress_line_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with ProgressLine("indexing") as quiet:
        quiet(1, 2)
        quiet(2, 2)
    assert err.getvalue() == ""
    with ProgressLine("indexing", always=True) as asked:  # reindex: the end is said
        asked(1, 2)
        asked(2, 2)
    assert err.getvalue() == "indexing 100%\n"


def test_a_status_in_words() -> None:
    paper = Paper(key="k", status=Status.READING, started="2025-04-07T10:00:00Z", last_page=3)
    assert describe_status(paper) == "reading, since 2025-04-07, page 3"
    paper.page_count = 12
    assert describe_status(paper) == "reading, since 2025-04-07, page 3 of 12"
    done = Paper(key="k", status=Status.READ, started="2025-04-01", finished="2025-04-07T09:00Z")
    assert describe_status(done) == "read on 2025-04-07 (started 2025-04-01)"
    assert describe_status(Paper(key="k", status=Status.NEW)) == "new (in the inbox)"
