"""The arXiv API client against a local arXiv: parsing, batching, spacing, retries, errors."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop_app import HOME_PAGE, __version__
from desktop_app.core.arxiv import api as arxiv_api
from desktop_app.core.arxiv.api import ArxivClient, parse_entries, parse_feed
from desktop_app.core.arxiv.ids import ArxivId
from desktop_app.core.arxiv.net import AccessBlock
from desktop_app.core.errors import AccessDenied, BadResponse, NetworkError, Unreachable
from desktop_app.core.settings import Settings
from tests.helpers.arxiv_server import ArxivServer, FakeClock, Fault, error_feed
from tests.helpers.files import testdata as shared_file


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_for(server: ArxivServer, clock: FakeClock, **settings: object) -> ArxivClient:
    return ArxivClient(server.settings(**settings), clock=clock, sleep=clock.sleep)


def ids(*texts: str) -> list[ArxivId]:
    return [ArxivId(t) for t in texts]


class CountingSession(requests.Session):
    """Counts the requests in flight at once (from the client's side)."""

    def __init__(self) -> None:
        super().__init__()
        self.active = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def get(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """In flight from the request until its answer is closed (read whole, or refused)."""
        with self._lock:
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
        try:
            response = super().get(*args, **kwargs)
        except BaseException:
            self._ended()
            raise
        close, closed = response.close, threading.Event()

        def close_once() -> None:
            close()
            if not closed.is_set():
                closed.set()
                self._ended()

        response.close = close_once  # type: ignore[method-assign]
        return response

    def _ended(self) -> None:
        with self._lock:
            self.active -= 1


# -- parsing the real answers -------------------------------------------------------------


def entries_of(*parts: str) -> list[arxiv_api.ArxivEntry]:
    return parse_entries(parse_feed(shared_file("atom", *parts).read_bytes()))


def test_a_recorded_answer_gives_every_field() -> None:
    [entry] = entries_of("arxiv.py", "id_1707.08567_s0_m100_6a1afebfc6a3.xml")
    assert entry.arxiv_id == ArxivId("1707.08567", 1)
    assert entry.title == (
        "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    )
    assert entry.authors[:2] == ("Kees A. Schouhamer Immink", "Stan Baggen")
    assert entry.abstract.startswith("The 10th Asia-Europe workshop")
    assert entry.categories == ("cs.IT",)
    assert (entry.published, entry.updated) == ("2017-07-27", "2017-07-27")
    assert (
        entry.comment == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    )
    assert entry.pdf_url == "https://arxiv.org/pdf/1707.08567v1"


def test_old_style_ids_journal_refs_and_the_primary_category_first() -> None:
    [old] = entries_of("arxiv.py", "id_astro-ph_0601001_s0_m100_3150dca9dc76.xml")
    assert old.arxiv_id == ArxivId("astro-ph/0601001", 1)
    assert old.journal_ref and len(old.authors) == 4
    assert not old.abstract.startswith(" ")  # the leading spaces of the feed are gone
    [quant] = entries_of("arxiv.py", "id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml")
    assert quant.categories == ("quant-ph", "cs.PL")


def test_dois_from_a_ten_entry_answer() -> None:
    entries = entries_of("arxiv.py", "q_testing_s0_m10_bc5a6c384fe9.xml")
    assert len(entries) == 10
    assert entries[0].doi == "10.1109/ICSTW55395.2022.00035"
    assert entries[0].journal_ref and entries[0].journal_ref.startswith("Artificial")


def test_the_manuals_2007_answer_has_its_version_in_the_links_and_titles_are_joined() -> None:
    [entry] = entries_of("arxiv-docs", "user-manual_4.1_typical_response_all_electron.xml")
    assert entry.arxiv_id == ArxivId("hep-ex/0307015", 1)
    assert entry.title == (
        "Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA"
    )
    assert "\n" not in entry.abstract and "  " not in entry.abstract
    assert entry.published == "2003-07-07" and entry.journal_ref == "Eur.Phys.J. C31 (2003) 17-29"


def test_entries_without_feed_level_namespaces() -> None:
    entries = entries_of("arxiv2bib", "test_arxiv2bib_DATA_1205.1001v1_1001.1001v1.xml")
    assert [e.arxiv_id.canonical for e in entries] == ["1205.1001v1", "1001.1001v1"]
    assert entries[0].categories == ("cond-mat.soft", "physics.bio-ph")
    assert entries[1].comment and entries[1].comment.startswith("To appear in the proceedings")


def test_a_paper_titled_zero_keeps_its_title() -> None:
    [entry] = entries_of("arxiv.py", "id_2104.12255v1_s0_m100_6ae69987ffe1.xml")
    assert entry.title == "0"


def test_an_error_feed_holds_no_paper() -> None:
    for path in [
        ("arxiv.py", "id_abc_s0_m100_b79c8dcf6bc3.xml"),
        ("arxiv-docs", "user-manual_3.4_error_incorrect_id_format_1234.12345.xml"),
    ]:
        assert entries_of(*path) == []


def test_an_xml_bomb_is_refused_without_expanding_it() -> None:
    from tests.helpers.arxiv_server import XML_BOMB

    with pytest.raises(BadResponse, match="DTD or entities"):
        parse_feed(XML_BOMB)


# -- asking the local arXiv ---------------------------------------------------------------


def test_lookup_returns_entries_and_names_itself(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220", versions=3, title="Retrieval  at\n scale", doi="10.1/x")
    entry = client_for(arxiv_server, clock).get("arXiv:2504.05220")
    assert entry.arxiv_id == ArxivId("2504.05220", 3) and entry.version == 3
    assert entry.title == "Retrieval at scale" and entry.doi == "10.1/x"
    [request] = arxiv_server.requests_of("api")
    assert request.headers["User-Agent"] == f"Papershelf/{__version__} (+{HOME_PAGE})"
    assert request.query["id_list"] == ["2504.05220"] and request.query["max_results"] == ["1"]


def test_an_unknown_id_is_a_clear_per_id_error(arxiv_server: ArxivServer, clock: FakeClock) -> None:
    arxiv_server.add_paper("2504.05220")
    result = client_for(arxiv_server, clock).lookup(ids("2504.05220", "2504.99999"))
    assert list(result.entries) == ["2504.05220"]
    assert result.errors == {"2504.99999": "arXiv has no paper 2504.99999"}
    with pytest.raises(NetworkError, match=r"arXiv has no paper 2504\.99999"):
        client_for(arxiv_server, clock).get("2504.99999")


def test_a_malformed_id_gets_its_own_error_and_the_rest_of_the_batch_is_fetched(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220")
    result = client_for(arxiv_server, clock).lookup(ids("2504.05220", "abc"))
    assert result.errors == {"abc": "arXiv: incorrect id format for abc"}
    assert list(result.entries) == ["2504.05220"]
    assert [r.query["id_list"] for r in arxiv_server.requests_of("api")] == [
        ["2504.05220,abc"],
        ["2504.05220"],
    ]


def test_a_400_naming_no_asked_id_fails_the_whole_batch(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.fail_next("api", Fault(status=400, body=error_feed("something-else")))
    result = client_for(arxiv_server, clock).lookup(ids("2504.05220"))
    assert result.errors["2504.05220"].startswith("arXiv refused the request: incorrect id")


def test_the_recorded_answers_are_served_and_read(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.load_recorded(shared_file("atom", "arxiv.py"))
    client = client_for(arxiv_server, clock)
    both = client.lookup_batch(ids("0808.05394", "1707.08567"))
    assert list(both.entries) == ["1707.08567"]
    assert both.errors == {"0808.05394": "arXiv has no paper 0808.05394"}
    empty = client.lookup_batch(ids("0000.0000"))
    assert empty.errors == {"0000.0000": "arXiv has no paper 0000.0000"}
    bad = client.lookup_batch(ids("abc"))
    assert bad.errors == {"abc": "arXiv: incorrect id format for abc"}


def test_ids_are_batched_and_requests_spaced_three_seconds_apart(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    wanted = [ArxivId(f"2504.{n:05d}") for n in range(1, 251)]
    for aid in wanted[::7]:
        arxiv_server.add_paper(aid.id)
    client = client_for(arxiv_server, clock, api_interval_s=3.0)
    starts: list[float] = []
    client.on_request = lambda url: starts.append(clock())
    result = client.lookup(wanted)
    assert len(result.entries) == len(wanted[::7])
    assert len(result.entries) + len(result.errors) == 250
    sizes = [int(r.query["max_results"][0]) for r in arxiv_server.requests_of("api")]
    assert sizes == [100, 100, 50]
    assert [b - a for a, b in itertools.pairwise(starts)] == [3.0, 3.0]


def test_the_spacing_holds_across_clients_and_threads(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220")
    starts: list[float] = []
    session = CountingSession()
    clients = [
        ArxivClient(
            arxiv_server.settings(api_interval_s=3.0), session, clock=clock, sleep=clock.sleep
        )
        for _ in range(3)
    ]
    for c in clients:
        c.on_request = lambda url: starts.append(clock())
    threads = [
        threading.Thread(target=c.lookup, args=(ids("2504.05220"),))
        for c in clients
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    assert len(starts) == 6
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(starts))
    assert session.most_at_once == 1


def test_arxiv_itself_gets_three_seconds_even_if_the_setting_says_less(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    monkeypatch.setenv("PAPERSHELF_ARXIV_API_URL", "https://export.arxiv.org/api/query")
    assert Settings(api_interval_s=0.1).api_interval() == 3.0


def test_503_with_retry_after_and_429_are_tried_again(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.add_paper("2504.05220")
    arxiv_server.fail_next("api", Fault.http(503, Retry_After="17"), Fault.http(429))
    entry = client_for(arxiv_server, clock).get("2504.05220")
    assert entry.arxiv_id.id == "2504.05220"
    assert len(arxiv_server.requests_of("api")) == 3
    # Retry-After is honoured; then exponential backoff (2 s, then 4 s).
    assert clock.sleeps == [17.0, 4.0]


def test_a_server_asking_to_wait_too_long_fails_at_once(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.fail_next("api", Fault.http(503, Retry_After="86400"))
    with pytest.raises(NetworkError, match="asks to wait 86400 s"):
        client_for(arxiv_server, clock).get("2504.05220")


def test_a_server_failing_every_time_gives_up_after_the_tries(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.fail_next("api", *[Fault.http(502)] * 4)
    with pytest.raises(NetworkError, match=r"^HTTP 502 after 4 tries$"):
        client_for(arxiv_server, clock, max_retries=3).get("2504.05220")
    assert clock.sleeps == [2.0, 4.0, 8.0]


def test_a_server_too_slow_to_answer_times_out(arxiv_server: ArxivServer, clock: FakeClock) -> None:
    arxiv_server.fail_next("api", *[Fault.slow(1.0)] * 4)
    with pytest.raises(NetworkError, match=r"^timed out after 4 tries$"):
        client_for(arxiv_server, clock, timeout_s=0.1).get("2504.05220")


def test_an_xml_bomb_from_the_server_is_refused_cleanly(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.fail_next("api", Fault.xml_bomb())
    with pytest.raises(BadResponse, match="DTD or entities"):
        client_for(arxiv_server, clock).get("2504.05220")
    assert len(arxiv_server.requests_of("api")) == 1


def test_an_html_page_instead_of_atom_is_refused(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    arxiv_server.fail_next("api", Fault.html())
    with pytest.raises(BadResponse, match="an HTML page, not an Atom feed"):
        client_for(arxiv_server, clock).get("2504.05220")


def test_403_stops_every_fetch_until_resumed(arxiv_server: ArxivServer, clock: FakeClock) -> None:
    arxiv_server.add_paper("2504.05220")
    arxiv_server.fail_next("api", Fault.http(403))
    with pytest.raises(AccessDenied, match="HTTP 403"):
        client_for(arxiv_server, clock).get("2504.05220")
    # No retry, and a new client (a new run of the program) does not ask either.
    with pytest.raises(AccessDenied, match="papershelf fetch --resume"):
        client_for(arxiv_server, clock).get("2504.05220")
    assert len(arxiv_server.requests_of("api")) == 1
    assert AccessBlock().resume() is True
    assert client_for(arxiv_server, clock).get("2504.05220").title == "Paper 2504.05220"


def test_no_network_is_said_at_once(clock: FakeClock) -> None:
    # The conftest points the API at a dead port on loopback.
    client = ArxivClient(Settings(api_interval_s=0), clock=clock, sleep=clock.sleep)
    with pytest.raises(Unreachable, match=r"cannot connect to 127\.0\.0\.1 \(Connection refused"):
        client.get("2504.05220")
    assert clock.sleeps == []  # no network: said at once, not after minutes of retries


def test_the_acknowledgement_arxiv_asks_for() -> None:
    assert arxiv_api.ACKNOWLEDGEMENT == (
        "Thank you to arXiv for use of its open access interoperability."
    )


def test_a_damaged_block_file_still_blocks(tmp_path: Path) -> None:
    block = AccessBlock(tmp_path / "blocked.json")
    block.path.write_text("{", encoding="utf-8")
    with pytest.raises(AccessDenied):
        block.check()


def test_a_gzip_bomb_is_stopped_at_the_answer_limit(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    # Issue #19, D10: 4 MB of gzip expanding to 4 GB drove fetch to 4.2 GB of memory. Here
    # 200 KB expand to 200 MB against a limit of 8 MB: the read stops at the limit.
    import gzip
    import resource

    bomb = gzip.compress(b"<" * (200 * 2**20), 9)
    arxiv_server.fail_next(
        "api",
        Fault(status=200, body=bomb, headers={"Content-Encoding": "gzip"}),
    )
    client = client_for(arxiv_server, clock)
    client.max_answer_bytes = 8 * 2**20
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(BadResponse, match="the answer is larger than 8 MB; not read"):
        client.get("2504.05220")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 100  # the whole answer would be 200 MB


def test_an_answer_trickling_in_is_given_up_with_a_reason(
    arxiv_server: ArxivServer, clock: FakeClock
) -> None:
    # Issue #19, D11: one byte a second never trips a read timeout; the fetch ran for ever.
    arxiv_server.add_paper("2504.05220")
    arxiv_server.fail_next("api", Fault.trickling(0.05))
    client = client_for(arxiv_server, clock)
    client.stall_window_s, client.stall_min_bytes = 0.5, 1000
    with pytest.raises(NetworkError, match=r"the server sends too slowly \(\d+ bytes in \d+ s\)"):
        client.get("2504.05220")
    assert len(arxiv_server.requests_of("api")) == 1  # given up, not tried again
