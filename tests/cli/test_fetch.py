"""``papershelf add / fetch / check-updates / keep / import-digest --fetch`` with a local arXiv."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.core import paths
from desktop_app.core.arxiv.net import AccessBlock
from desktop_app.core.library import Library
from desktop_app.core.paper import FetchState, Paper, Status
from desktop_app.core.settings import Settings
from tests.helpers.arxiv_server import ArxivServer, Fault


@pytest.fixture
def server(arxiv_server: ArxivServer) -> ArxivServer:
    """The local arXiv, and settings that need no waiting (no test sleeps)."""
    arxiv_server.settings(timeout_s=1.0).save()
    arxiv_server.add_paper("2504.05220", versions=2, title="Dense retrieval at scale")
    arxiv_server.add_paper("2504.05221", title="Sparse retrieval")
    return arxiv_server


def run(library_path: Path, *args: str) -> int:
    return main(["--library", str(library_path), *args])


def test_add_fetches_metadata_and_pdf(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(library_path, "add", "https://arxiv.org/abs/2504.05220") == 0
    out, _ = capsys.readouterr()
    assert "2504.05220v2" in out and "Dense retrieval at scale" in out
    paper = Library.open(library_path).get("2504.05220")
    assert paper.pdf_file == "2504.05220v2.pdf" and paper.pdf_state is FetchState.DONE


def test_a_fetched_pdf_is_searchable(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.add_paper("2504.05222", title="Fish", abstract="Zebrafish ontology alignment.")
    assert run(library_path, "add", "2504.05222") == 0
    capsys.readouterr()
    assert run(library_path, "search", "fulltext:zebrafish") == 0
    assert "2504.05222" in capsys.readouterr().out


def test_show_says_when_a_newer_version_is_available(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(library_path, "add", "--no-pdf", "2504.05220v1") == 0
    capsys.readouterr()
    assert run(library_path, "show", "2504.05220") == 0
    assert "2504.05220v1  https://arxiv.org/abs/2504.05220v1  (v2 available)" in (
        capsys.readouterr().out
    )


def test_add_no_pdf_fetches_the_metadata_only(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(library_path, "add", "--no-pdf", "2504.05221") == 0
    paper = Library.open(library_path).get("2504.05221")
    assert paper.title == "Sparse retrieval" and paper.pdf_state is FetchState.NONE
    assert server.requests_of("pdf") == []


def test_add_offline_queues_and_fetch_drains_the_queue_later(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(library_path, "--offline", "add", "2504.05220", "2504.05221") == 0
    out, _ = capsys.readouterr()
    assert "Offline: 2 papers queued; 'papershelf fetch' fetches them when online." in out
    assert server.requests == []
    assert run(library_path, "fetch", "--list") == 0
    out, _ = capsys.readouterr()
    assert "2504.05220" in out and "pending" in out
    assert run(library_path, "fetch") == 0
    out, _ = capsys.readouterr()
    assert "Fetching 2 metadata records and 2 PDFs" in out
    assert "Fetched: 2 metadata, 2 PDFs fetched." in out
    assert run(library_path, "fetch") == 0
    assert "the queue is empty" in capsys.readouterr().out


def test_the_offline_setting_queues_like_the_flag(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.settings(offline=True).save()
    assert run(library_path, "add", "2504.05220") == 0
    assert "queued" in capsys.readouterr().out and server.requests == []


def test_add_without_network_says_the_papers_were_queued(
    library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No server: the conftest's arXiv URLs name a dead port.
    Settings(api_interval_s=0, download_interval_s=0, max_retries=0).save()
    assert run(library_path, "add", "2504.05220") == 0
    out, err = capsys.readouterr()
    assert err == f"papershelf: created a new library in {library_path}\n"
    assert "Queued: arXiv cannot be reached: cannot connect to 127.0.0.1" in out
    assert "the rest waits in the queue" in out
    paper = Library.open(library_path).get("2504.05220")
    assert paper.metadata_state is FetchState.PENDING and paper.pdf_state is FetchState.PENDING


def test_fetch_reports_failures_with_their_reason(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(library_path, "--offline", "add", "2504.05220")
    capsys.readouterr()
    server.fail_next("pdf", Fault.html())
    assert run(library_path, "fetch") == 1
    _, err = capsys.readouterr()
    assert err == (
        "papershelf: error: 2504.05220: the PDF could not be fetched: not a PDF (got text/html)\n"
    )
    assert run(library_path, "fetch", "--list") == 0
    assert "not a PDF (got text/html)" in capsys.readouterr().out
    assert run(library_path, "fetch", "--retry-failed") == 0
    assert Library.open(library_path).get("2504.05220").pdf_state is FetchState.DONE


def test_403_stops_fetching_until_fetch_resume(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(library_path, "--offline", "add", "2504.05220")
    server.fail_next("api", Fault.http(403))
    assert run(library_path, "fetch") == 1
    assert "arXiv denied access (HTTP 403" in capsys.readouterr().err
    assert run(library_path, "fetch") == 1
    assert "papershelf fetch --resume" in capsys.readouterr().err
    # Clearing the cache (it is disposable) does not lift the block: it is state.
    shutil.rmtree(paths.cache_dir())
    assert run(library_path, "fetch") == 1
    assert "papershelf fetch --resume" in capsys.readouterr().err
    assert (paths.state_dir() / "access-denied.json").is_file()
    assert len(server.requests) == 1
    assert run(library_path, "fetch", "--resume") == 0
    assert "Fetching resumed." in capsys.readouterr().out
    assert AccessBlock().info() is None


def test_check_updates_lists_new_versions(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = Library.open(library_path)
    library.add(_paper("2504.05220", 1))
    library.add(_paper("2504.05221", 1))
    assert run(library_path, "check-updates") == 0
    out = capsys.readouterr().out
    assert "new  2504.05220: v2 available (you have v1)" in out
    assert "Checked 2 papers: 1 with a newer version (1 new)." in out


def test_keep_queues_the_pdf(
    server: ArxivServer, library_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = Library.open(library_path)
    library.add(_paper("2504.05220", 2, status=Status.NEW))
    assert run(library_path, "keep", "2504.05220") == 0
    assert "kept 2504.05220v2 (unread, PDF queued)" in capsys.readouterr().out
    assert library.get("2504.05220").pdf_state is FetchState.PENDING


def test_import_digest_fetch_queues_and_fetches_every_pdf(
    server: ArxivServer, library_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = tmp_path / "digest.md"
    digest.write_text(
        "".join(
            f"# {title}\n\n**Authors**: Ada Lovelace\n\n"
            f"**Link**: [PDF](https://arxiv.org/pdf/{ref})\n\n**Abstract**: Text.\n\n---\n"
            for ref, title in [("2504.05220", "Dense"), ("2504.05221", "Sparse")]
        ),
        encoding="utf-8",
    )
    assert run(library_path, "--offline", "import-digest", "--fetch", str(digest)) == 0
    assert "Offline: 2 PDFs queued" in capsys.readouterr().out
    library = Library.open(library_path)
    states = {p.key: p.pdf_state for p in library.papers()}
    assert states == {"2504.05220": FetchState.PENDING, "2504.05221": FetchState.PENDING}
    assert run(library_path, "import-digest", "--fetch", str(digest)) == 0
    # The digest gave no versions: the metadata was asked for to name the files.
    assert "Fetched: 2 metadata, 2 PDFs fetched." in capsys.readouterr().out
    assert {p.pdf_file for p in library.papers()} == {"2504.05220v2.pdf", "2504.05221v1.pdf"}


def _paper(ref: str, version: int, **values: object) -> Paper:
    from desktop_app.core.arxiv.ids import ArxivId

    return Paper.from_arxiv(ArxivId(ref, version), title=f"held {ref}", **values)
