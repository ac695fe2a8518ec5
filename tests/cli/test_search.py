"""``papershelf search``, ``reindex``, ``stats`` and ``attach``, as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tests.helpers.files as shared
from desktop_app.cli import main
from desktop_app.core.library import Library
from desktop_app.core.paper import Paper
from desktop_app.core.pdf.text import cache_path, file_sha256
from desktop_app.core.search.whoosh.index import WhooshIndex
from tests.helpers.pdfgen import write_pdf


@pytest.fixture
def lib(library: Library) -> Library:
    library.add(
        Paper(
            key="2504.00001",
            arxiv_id="2504.00001",
            arxiv_version=2,
            title="Dense Retrieval for Question Answering",
            authors=["Ana Gómez"],
            abstract="Dense encoders retrieve passages.",
            tags=["rag"],
        )
    )
    library.add(
        Paper(key="2301.00002", arxiv_id="2301.00002", title="Graph Neural Networks", tags=["gnn"])
    )
    return library


def run(lib: Library, *args: str) -> int:
    return main(["--library", str(lib.root), *args])


def test_search_prints_hits_with_snippets_and_pages(
    lib: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = write_pdf(tmp_path / "g.pdf", ["graphs", "message passing", "sparse retrieval baselines"])
    assert run(lib, "attach", "2301.00002", str(pdf)) == 0
    capsys.readouterr()
    assert run(lib, "search", "retrieval") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("2504.00001  Dense Retrieval for Question Answering")
    assert "    title: Dense Retrieval for Question Answering" in lines
    assert "    p. 3: sparse retrieval baselines" in lines
    assert out.index("2504.00001") < out.index("2301.00002")  # title above full text
    assert "\x1b[" not in out  # no highlighting codes when not on a terminal


def test_search_json(lib: Library, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(lib, "search", "--json", "dense") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 1 and data["query"] == "dense"
    (hit,) = data["hits"]
    assert hit["key"] == "2504.00001" and hit["tags"] == ["rag"] and hit["score"] > 0
    assert {k: hit["snippets"][0][k] for k in ("field", "page")} == {"field": "title", "page": None}
    assert "<b>Dense</b>" in hit["snippets"][0]["html"]
    assert data["tag_counts"] == {"rag": 1}


def test_search_options(lib: Library, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(lib, "search", "--sort", "title", "--no-snippets") == 0
    captured = capsys.readouterr()
    assert captured.out.index("Dense") < captured.out.index("Graph")
    assert "title:" not in captured.out
    assert run(lib, "search", "--limit", "1") == 0
    assert "(1 of 2 papers shown" in capsys.readouterr().err
    assert run(lib, "search", "tag:gnn", "OR", "tag:rag", "--all") == 0
    assert capsys.readouterr().out.count("\n    ") >= 2


def test_nothing_found_suggests(lib: Library, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(lib, "search", "retreival") == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No paper matches. Did you mean: retrieval" in captured.err


def test_malformed_query_is_one_clear_line(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(lib, "search", '"dense') == 1
    err = capsys.readouterr().err
    assert err.startswith("papershelf: error: unclosed quote in '\"dense'")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_help_documents_the_query_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    out = capsys.readouterr().out
    for form in ("title:", "year:2020..2025", '"a phrase"', "retriev*", "retreival~", "NOT a"):
        assert form in out
    assert "has:notes" in out and "added:7d" in out


def test_cli_changes_reach_the_index_at_once(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(lib, "search", "") == 0  # builds the index
    assert run(lib, "tag", "2301.00002", "--add", "to-read") == 0
    assert run(lib, "note", "2504.00001", "--set", "compare with colbert") == 0
    capsys.readouterr()
    # Looked up without a sync: the commands updated the index themselves.
    with WhooshIndex(Library.open(lib.root), observe=False) as index:
        assert [h.key for h in index.search("tag:to-read").hits] == ["2301.00002"]
        assert [h.key for h in index.search("colbert").hits] == ["2504.00001"]


def test_reindex_reports_progress(lib: Library, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(lib, "reindex") == 0
    captured = capsys.readouterr()
    assert "indexing 100%" in captured.err
    assert "Indexed 2 papers and the text of 0 of 0 PDFs." in captured.out


def test_search_sees_papershelf_changes_and_reindex_check_the_rest(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    """A search finds what Papershelf changed (in any process) without a scan of every
    paper folder; an edit made outside it is found by ``reindex --check`` (issue #18)."""
    assert run(lib, "search", "dense") == 0
    lib.add_tags("2301.00002", ["quickly"])  # a process without the index
    (lib.paper_dir("2504.00001") / "notes.md").write_text("edited in vim: wavelets\n")
    capsys.readouterr()
    assert run(lib, "search", "tag:quickly", "--no-snippets") == 0
    assert "2301.00002" in capsys.readouterr().out
    assert run(lib, "search", "wavelets") == 0
    assert "No paper matches." in capsys.readouterr().err
    assert run(lib, "reindex", "--check") == 0
    assert "1 paper indexed anew (0 added, 1 changed, 0 removed)" in capsys.readouterr().out
    assert run(lib, "search", "wavelets", "--no-snippets") == 0
    assert "2504.00001" in capsys.readouterr().out


def test_stats_lists_failures_with_reasons(
    lib: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_pdf(tmp_path / "good.pdf", ["words on a page"])
    scan = write_pdf(tmp_path / "scan.pdf", ["", ""], scanned=True)
    assert run(lib, "attach", "2504.00001", str(good)) == 0
    assert run(lib, "attach", "2301.00002", str(scan)) == 0
    captured = capsys.readouterr()
    assert "Attached" in captured.out
    assert "its text cannot be read: no text layer (scanned PDF?)" in captured.err
    assert run(lib, "stats") == 0
    out = capsys.readouterr().out
    assert "Papers:            2" in out and "PDFs:              2" in out
    assert "PDFs indexed:      1" in out
    assert "  2301.00002: no text layer (scanned PDF?)" in out
    assert run(lib, "stats", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["failures"] == [{"key": "2301.00002", "reason": "no text layer (scanned PDF?)"}]


def test_attach_copies_the_pdf_into_the_paper_folder(
    lib: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = write_pdf(tmp_path / "download (1).pdf", ["alpha", "beta gamma"])
    assert run(lib, "attach", "arXiv:2504.00001", str(pdf)) == 0
    assert "as 2504.00001v2.pdf (2 pages, text indexed)" in capsys.readouterr().out
    paper = lib.get("2504.00001")
    assert paper.pdf_file == "2504.00001v2.pdf" and paper.pdf_state.value == "done"
    assert paper.page_count == 2
    assert (lib.paper_dir("2504.00001") / "2504.00001v2.pdf").read_bytes() == pdf.read_bytes()
    assert pdf.exists()  # the original stays where it was
    local = Paper(key="local-notes-1234abcd", title="My own notes")
    lib.add(local)
    assert run(lib, "attach", local.key, str(pdf)) == 0
    assert (lib.paper_dir(local.key) / "download-1.pdf").exists()
    assert run(lib, "search", "gamma", "--no-snippets") == 0
    out = capsys.readouterr().out
    assert "2504.00001" in out and "local-notes-1234abcd" in out


def test_attach_refuses_what_is_not_a_pdf(
    lib: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_text("This is a fake pdf used during testing.\n")
    assert run(lib, "attach", "2504.00001", str(fake)) == 1
    assert "not a PDF file" in capsys.readouterr().err
    assert run(lib, "attach", "2504.00001", str(tmp_path / "missing.pdf")) == 1
    assert "cannot be read" in capsys.readouterr().err
    assert run(lib, "attach", "9999.99999", str(fake)) == 1
    assert lib.get("2504.00001").pdf_file is None


def test_attach_refuses_a_pdf_whose_stamp_names_another_paper(
    lib: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = write_pdf(
        tmp_path / "downloaded.pdf", ["arXiv:2301.00002v1 [cs.IR] 7 Jan 2023 Sparse models", "x"]
    )
    assert run(lib, "attach", "2504.00001", str(other)) == 1
    err = capsys.readouterr().err
    assert "its arXiv stamp names 2301.00002v1, not 2504.00001" in err
    assert "--force" in err and len(err.strip().splitlines()) == 1
    assert lib.get("2504.00001").pdf_file is None  # nothing attached, nothing copied
    assert not any(lib.paper_dir("2504.00001").glob("*.pdf"))
    # The user means it: --force attaches it all the same.
    assert run(lib, "attach", "2504.00001", str(other), "--force") == 0
    assert lib.get("2504.00001").pdf_file == "2504.00001v2.pdf"
    # Another version of the same paper is the same paper.
    same = write_pdf(tmp_path / "v1.pdf", ["arXiv:2504.00001v1 [cs.IR] 7 Apr 2025 Dense", "y"])
    assert run(lib, "attach", "2504.00001", str(same)) == 0


@pytest.mark.testdata
def test_attach_a_real_arxiv_pdf_and_find_a_page(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = shared.testdata("pdfs", "arxiv", "2302.07302v1.pdf")
    # Its stamp names 2302.07302: the test paper is another one, so --force.
    assert run(lib, "attach", "2301.00002", str(pdf)) == 1
    assert "stamp names 2302.07302v1" in capsys.readouterr().err
    assert run(lib, "attach", "2301.00002", str(pdf), "--force") == 0
    assert "(15 pages, text indexed)" in capsys.readouterr().out
    assert run(lib, "search", "fulltext:CiteSee", "--json") == 0
    (hit,) = json.loads(capsys.readouterr().out)["hits"]
    assert hit["snippets"][0]["page"] == 1


def test_end_to_end_in_a_subprocess(lib: Library) -> None:
    env = dict(os.environ, PYTHONPATH=str(shared.ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--library", str(lib.root), "search", "graph"],
        capture_output=True,
        text=True,
        env=env,
        cwd=shared.ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2301.00002  Graph Neural Networks")
    assert "Traceback" not in result.stderr


def test_list_and_search_sort_titles_alike(
    library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both order by core.words.title_sort_key: a leading "The", "A" or "An" is not sorted by,
    nor are case and accents."""
    titles = [
        "The Zebra Crossing",
        "A Model of Everything",
        "attention Is All You Need",
        "An Anatomy of a Search Engine",
        "the Best Paper",
        "Émile's Theorem",
        "Zeta Functions",
    ]
    for i, title in enumerate(titles):
        library.add(Paper(key=f"2504.0000{i}", arxiv_id=f"2504.0000{i}", title=title))
    assert run(library, "list", "--sort", "title", "--json") == 0
    listed = [p["title"] for p in json.loads(capsys.readouterr().out)]
    assert run(library, "search", "", "--sort", "title", "--json") == 0
    found = [h["title"] for h in json.loads(capsys.readouterr().out)["hits"]]
    assert (
        listed
        == found
        == [
            "An Anatomy of a Search Engine",
            "attention Is All You Need",
            "the Best Paper",
            "Émile's Theorem",
            "A Model of Everything",
            "The Zebra Crossing",
            "Zeta Functions",
        ]
    )


def test_search_with_no_index_waits_for_the_full_text(
    lib: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A first build runs in two phases (the records, then the texts); the command line
    answers once both are done, so a word of a PDF is found at once (issue #18)."""
    pdf = write_pdf(tmp_path / "g.pdf", ["graphs", "the zeppelin experiment"])
    assert run(lib, "attach", "2301.00002", str(pdf)) == 0
    with WhooshIndex(lib) as ix:
        shutil.rmtree(ix.dir)  # a machine without the index
    capsys.readouterr()
    assert run(lib, "search", "zeppelin") == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("2301.00002  Graph Neural Networks")
    assert "p. 2: the zeppelin experiment" in captured.out
    assert "still being indexed" not in captured.err


def test_search_while_the_app_indexes_the_full_text_says_more_may_match(
    lib: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from filelock import FileLock

    from desktop_app.core.search.whoosh import store

    pdf = write_pdf(tmp_path / "g.pdf", ["graphs", "the zeppelin experiment"])
    assert run(lib, "attach", "2301.00002", str(pdf)) == 0
    # Its text not cached: the command line's build leaves it to the second phase (a text
    # in the cache it writes at once, with the paper's record).
    cache_path(file_sha256(pdf)).unlink()  # (the attached copy has the same bytes)
    with WhooshIndex(lib) as ix:
        shutil.rmtree(ix.dir)
        ix.dir.mkdir(parents=True)
        texts_lock = FileLock(str(ix.dir / store.TEXTS_LOCK))
    capsys.readouterr()
    with texts_lock:  # the app, in its second phase
        assert run(lib, "search", "author:gomez") == 0
        captured = capsys.readouterr()
        assert captured.out.startswith("2504.00001  Dense Retrieval")
        assert "still being indexed" not in captured.err  # it reads no text
        assert run(lib, "search", "zeppelin") == 0
        captured = capsys.readouterr()
        assert "No paper matches." in captured.err
        assert (
            "the full text of 1 paper is still being indexed by another Papershelf; "
            "more papers may match" in captured.err
        )
    assert run(lib, "search", "zeppelin") == 0  # the app quit: this one completes it
    assert capsys.readouterr().out.startswith("2301.00002  Graph Neural Networks")
