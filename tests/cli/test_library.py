"""``import-digest``, ``add``, ``list``, ``inbox`` and ``show`` end to end, on library folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers.files import SAMPLE_DIGEST
from tests.helpers.shelf import Shelf

PAPER_FIELDS = {
    "format", "format_version", "key", "arxiv_id", "arxiv_version", "title", "authors",
    "abstract", "categories", "published", "updated", "doi", "journal_ref", "comment",
    "source", "added", "status", "status_changed", "started", "finished", "tags", "rating",
    "last_page", "page_count", "pdf_file", "pdf_state", "pdf_error", "metadata_state",
    "metadata_error", "latest_version", "citation_key", "edited", "feeds", "published_found",
    "digest_position", "notes", "year", "has_notes", "annotations",
}  # fmt: skip


def test_import_the_sample_digest_and_list_it(shelf: Shelf) -> None:
    out = shelf("import-digest", str(SAMPLE_DIGEST)).stdout
    assert out.splitlines()[0] == (
        "sample-digest.md: 33 added, 0 already present, 0 updated, 0 dismissed before, 0 skipped"
    )
    lines = shelf("list").stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "YEAR", "TITLE"]
    assert lines[-1] == "33 papers"
    rows = lines[1:-1]
    assert len(rows) == 33
    # Aligned: every title starts in the column of the TITLE header.
    title_at = lines[0].index("TITLE")
    assert all(row[title_at - 2 : title_at] == "  " and row[title_at] != " " for row in rows)
    assert any("Leveraging LLMs for Utility-Focused Annotation" in row for row in rows)
    assert all(row.split()[1:3] == ["new", "2025"] for row in rows)

    again = shelf("import-digest", str(SAMPLE_DIGEST)).stdout
    assert "0 added, 33 already present" in again


def test_import_reports_bad_files_and_skipped_entries(shelf: Shelf, tmp_path: Path) -> None:
    digest = tmp_path / "mixed.md"
    digest.write_text(
        "# Good\n\n**Link**: https://arxiv.org/abs/2504.05220\n\n---\n"
        "# Bad\n\n**Link**: [PDF](https://example.org/x.pdf)\n",
        encoding="utf-8",
    )
    result = shelf("import-digest", str(tmp_path / "nope.md"), str(digest), code=1)
    assert result.stderr.strip() == f"papershelf: error: {tmp_path / 'nope.md'}: no such file"
    assert "mixed.md: 1 added" in result.stdout and "1 skipped" in result.stdout
    assert "  skipped line 6: 'https://example.org/x.pdf' is not an arXiv identifier" in (
        result.stdout
    )
    report = shelf.json("import-digest", str(digest), "--status", "unread")
    assert report == [
        {
            "source": "mixed.md",
            "added": [],
            "present": ["2504.05220"],
            "updated": [],
            "dismissed": [],
            "skipped": [
                {
                    "line": 6,
                    "reason": "'https://example.org/x.pdf' is not an arXiv identifier "
                    "(expected e.g. 2504.05220, hep-th/9901001 or an arxiv.org link)",
                    "title": "Bad",
                }
            ],
        }
    ]
    shelf("import-digest", str(digest), "--status", "reading", code=2)


def test_list_filters_sorts_and_prints_json(imported: Shelf) -> None:
    imported("tag", "2504.05220", "2504.04386", "--add", "rag/eval")
    imported("tag", "2504.05217", "--add", "RAG")
    imported("status", "2504.04386", "reading")
    imported("note", "2504.05220", "--set", "Worth a re-read.")

    papers = imported.json("list")
    assert isinstance(papers, list) and len(papers) == 33
    assert all(set(p) == PAPER_FIELDS for p in papers)
    first = next(p for p in papers if p["key"] == "2504.05220")
    assert first["notes"] == "Worth a re-read.\n" and first["tags"] == ["rag/eval"]

    reading = imported.json("list", "--status", "reading")
    assert [p["key"] for p in reading] == ["2504.04386"]
    tagged = imported.json("list", "--tag", "rag")  # rag and what is below it
    assert sorted(p["key"] for p in tagged) == ["2504.04386", "2504.05217", "2504.05220"]

    titles = [p["title"] for p in imported.json("list", "--sort", "title")]
    assert titles == sorted(titles, key=str.casefold)
    backwards = [p["title"] for p in imported.json("list", "--sort", "title", "--reverse")]
    assert backwards == titles[::-1]
    assert len(imported.json("list", "--sort", "year")) == 33
    assert "[rag/eval]" in imported("list", "--tag", "rag/eval").stdout
    assert imported("list", "--status", "read").stdout == "No papers match.\n"
    imported("list", "--sort", "rating", code=2)


def test_show_in_text_and_json(imported: Shelf) -> None:
    out = imported("show", "https://arxiv.org/pdf/2504.04386v1.pdf").stdout
    lines = out.splitlines()
    assert lines[0] == (
        "Decoding Recommendation Behaviors of In-Context Learning LLMs Through Gradient Descent"
    )
    assert "  arXiv" in out and "https://arxiv.org/abs/2504.04386" in out
    assert "Yi Xu, Weicong Qin, Weijie Yu, Ming He, Jianping Fan, Jun Xu" in out
    assert "new (in the inbox)" in out and "not fetched" in out and "sample-digest.md" in out
    assert "\nAbstract\n" in out and "practical module design." in out
    labels = [line[:13] for line in lines[1:8]]
    assert all(label.startswith("  ") for label in labels)
    assert len({line.index(line.split(maxsplit=1)[1]) for line in lines[1:8]}) == 1  # aligned

    paper = imported.json("show", "arXiv:2504.04386")
    assert isinstance(paper, dict) and set(paper) == PAPER_FIELDS
    assert paper["abstract"].count("\n") == 2 and paper["status"] == "new"
    imported("show", "2504.99999", code=1)
    imported("show", code=2)


def test_add_by_id_link_doi_or_pasted_text(shelf: Shelf) -> None:
    out = shelf("add", "https://arxiv.org/abs/2504.05220v2", "10.48550/arXiv.hep-th/9901001").stdout
    assert "added" in out and "2504.05220v2" in out and "hep-th/9901001" in out
    papers = {p["key"]: p for p in shelf.json("list")}  # type: ignore[union-attr]
    assert set(papers) == {"2504.05220", "hep-th_9901001"}
    assert papers["2504.05220"]["status"] == "unread"
    assert papers["2504.05220"]["metadata_state"] == "pending"
    pasted = shelf("add", "see arXiv:2504.05217 and 2504.05220 please").stdout
    assert "added" in pasted and "present" in pasted
    bad = shelf("add", "2504.05216", "2513.00001", code=1)
    assert bad.stderr.strip() == (
        "papershelf: error: '2513.00001' is not an arXiv identifier: month 13"
    )
    assert "2504.05216" in bad.stdout  # the good one is added all the same
    assert len(shelf.json("list")) == 4  # type: ignore[arg-type]


def test_a_damaged_paper_is_reported_while_the_rest_lists(imported: Shelf) -> None:
    broken = imported.library / "papers" / "2504.05220" / "paper.json"
    broken.write_text("{not json", encoding="utf-8")
    result = imported("list")
    assert f"papershelf: warning: {broken}: is not valid JSON" in result.stderr
    assert result.stdout.splitlines()[-1] == "32 papers"
    assert len(imported.json("list")) == 32  # type: ignore[arg-type]
    shown = imported("show", "2504.05220", code=1)
    assert str(broken) in shown.stderr


def test_list_stays_right_as_the_library_changes(imported: Shelf) -> None:
    """``list`` reads a snapshot of the rows, not every paper.json: it follows changes made
    by another process, folders brought by a sync tool, and (after ``reindex --check``, as
    ``search``) an edit made by hand."""
    assert imported("list", "--status", "read").stdout == "No papers match.\n"
    imported.sub("status", "2504.05220", "2504.05181", "read")  # another process
    out = imported("list", "--status", "read").stdout
    assert sorted(line.split()[0] for line in out.splitlines()[1:-1]) == [
        "2504.05181",
        "2504.05220",
    ]
    brought = imported.library / "papers" / "2504.99999"
    shutil.copytree(imported.library / "papers" / "2504.05220", brought)
    paper = brought / "paper.json"
    data = json.loads(paper.read_text(encoding="utf-8"))
    data.update(arxiv_id="2504.99999", title="Brought by a sync tool")
    paper.write_text(json.dumps(data), encoding="utf-8")
    listed = imported.json("list", "--status", "read")
    assert sorted(p["key"] for p in listed) == ["2504.05181", "2504.05220", "2504.99999"]  # type: ignore[attr-defined]
    data["status"] = "reading"  # an edit by hand, inside a listed folder
    paper.write_text(json.dumps(data), encoding="utf-8")
    imported("reindex", "--check")
    assert "2504.99999" not in imported("list", "--status", "read").stdout
    assert "Brought by a sync tool" in imported("list", "--status", "reading").stdout


HOSTILE_TITLE = "Dense \x1b]0;you have been pwned\x07Retrieval\x1b[2J\x1b[H for RAG"


def test_terminal_escapes_in_a_digest_are_neither_stored_nor_printed(
    shelf: Shelf, tmp_path: Path
) -> None:
    """A digest's title holding ESC ] 0 ; … BEL (retitles the window) and ESC [ 2 J (clears
    the screen) was stored and printed raw by list and show."""
    digest = tmp_path / "hostile.md"
    digest.write_text(
        f"# {HOSTILE_TITLE}\n\n**Authors**: Eve \x1b[8mHidden\x1b[0m Adversary\n\n"
        "**Link**: [PDF](https://arxiv.org/pdf/2504.05220)\n\n"
        "**Abstract**: First line.\x1b[1A\x1b[2K Second.\n",
        encoding="utf-8",
    )
    shelf("import-digest", str(digest))
    stored = (shelf.library / "papers" / "2504.05220" / "paper.json").read_text(encoding="utf-8")
    assert "\\u001b" not in stored and "\\u0007" not in stored
    for command in (("list",), ("show", "2504.05220"), ("search", "dense"), ("inbox",)):
        out = shelf(*command).stdout
        assert "\x1b" not in out and "\x07" not in out, command
        assert "Dense Retrieval for RAG" in out, command
    assert "Eve Hidden Adversary" in shelf("show", "2504.05220").stdout


def test_escapes_in_a_record_written_elsewhere_are_not_printed(shelf: Shelf) -> None:
    """A paper.json edited by hand or by an older version still prints safely."""
    shelf("add", "2504.05220")
    path = shelf.library / "papers" / "2504.05220" / "paper.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["title"] = HOSTILE_TITLE
    record["abstract"] = "Line one.\x1b[2J\nLine two."
    path.write_text(json.dumps(record), encoding="utf-8")
    for command in (("list",), ("show", "2504.05220"), ("search", "dense")):
        out = shelf(*command).stdout
        assert "\x1b" not in out and "\x07" not in out, command
        assert "Dense Retrieval for RAG" in out
    assert shelf.json("show", "2504.05220")["title"] == HOSTILE_TITLE  # type: ignore[index]
