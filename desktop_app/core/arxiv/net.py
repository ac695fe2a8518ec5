"""What the arXiv API client and the PDF downloader share: politeness and failure handling.

- :class:`RateGate`: requests through one gate run one at a time and start at least an
  interval apart, across every thread of the process (:data:`API_GATE`, :data:`DOWNLOAD_GATE`).
- :class:`AccessBlock`: after arXiv answers 403 every fetch stops, in this process and the
  next ones, until the user resumes (the state is a file in the cache folder).
- :func:`with_retries`: tries an operation again after a passing failure (timeout, lost
  connection, HTTP 429 or 5xx), with exponential backoff that honours ``Retry-After``.
- :func:`check_status` and :func:`classify`: turn HTTP answers and ``requests`` exceptions
  into those failures, with the short reasons a paper's fetch state shows ("HTTP 404",
  "timed out after 4 tries").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from desktop_app import HOME_PAGE, __version__
from desktop_app.core import paths
from desktop_app.core.errors import AccessDenied, BadResponse, NetworkError, Unreachable
from desktop_app.core.paper import now_iso
from desktop_app.core.settings import Settings
from desktop_app.core.storage import atomic_write_json

log = logging.getLogger(__name__)

USER_AGENT = f"Papershelf/{__version__} (+{HOME_PAGE})"
#: The first pause before a retry; it doubles with every further try.
BACKOFF_BASE_S = 2.0
#: A server asking to wait longer than this (Retry-After) makes the request fail instead.
MAX_WAIT_S = 120.0

Clock = Callable[[], float]
Sleep = Callable[[float], None]
T = TypeVar("T")
E = TypeVar("E", bound=BaseException)


def new_session() -> requests.Session:
    """A session that names Papershelf in its User-Agent, as arXiv asks of clients."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


class RateGate:
    """Lets one request through at a time, each starting ``interval`` after the previous ended.

    The gate is shared by every client of the process (two windows, a worker pool), which is
    what arXiv's "one request every three seconds, one connection at a time" asks. Counting
    from the end of the previous request (its whole body read) is stricter than counting
    from its start. The gate keeps that time per clock, so a test's fake clock never mixes
    with real time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[Clock, float] = {}

    @contextlib.contextmanager
    def slot(self, interval: float, clock: Clock, sleep: Sleep) -> Iterator[None]:
        """Wait for the turn, then hold the gate while the ``with`` block runs."""
        with self._lock:
            last = self._last.get(clock)
            if last is not None:
                wait = last + interval - clock()
                if wait > 0:
                    sleep(wait)
            try:
                yield
            finally:
                self._last[clock] = clock()


API_GATE = RateGate()
DOWNLOAD_GATE = RateGate()


@dataclass(frozen=True)
class BlockInfo:
    since: str
    reason: str


class AccessBlock:
    """The "arXiv denied access" state, kept on disk so no later run hammers arXiv either."""

    FILE = "access-denied.json"

    def __init__(self, path: Path | None = None) -> None:
        # Kept in the state folder: clearing the cache must not lift a block (older
        # versions kept it in the cache: moved from there once).
        self.path = path or paths.state_file(self.FILE, formerly_in=paths.cache_dir())

    def info(self) -> BlockInfo | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict):
            # A damaged file still means "blocked": safer than hammering arXiv.
            return BlockInfo(since="?", reason="arXiv denied access (HTTP 403)")
        return BlockInfo(str(data.get("since", "?")), str(data.get("reason", "HTTP 403")))

    def check(self) -> None:
        """Raise AccessDenied when fetching is blocked."""
        info = self.info()
        if info is not None:
            raise AccessDenied(
                f"fetching is stopped since {info.since}: {info.reason}. Wait a while, then "
                "resume it (papershelf fetch --resume)"
            )

    def block(self, url: str) -> AccessDenied:
        """Record a 403 for ``url``; returns the error to raise."""
        reason = f"arXiv denied access (HTTP 403 for {url})"
        atomic_write_json(self.path, {"since": now_iso(), "reason": reason})
        log.error("%s; all fetching stops until the user resumes it", reason)
        return AccessDenied(
            f"{reason}: all fetching is stopped. Wait a while, then resume it "
            "(papershelf fetch --resume)"
        )

    def resume(self) -> bool:
        """Lift the block; True when there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


#: The largest API answer read, decoded (a page of 200 entries is about 1 MB): a gzip bomb
#: of 4 MB expanding to 4 GB stops here instead of filling the memory.
MAX_ANSWER_BYTES = 32 * 2**20
#: An answer slower than STALL_MIN_BYTES per STALL_WINDOW_S is given up: each read has a
#: timeout, but a server sending one byte a second never trips it.
STALL_WINDOW_S = 30.0
STALL_MIN_BYTES = 16 * 1024
#: The longest an API answer may take in all, however it trickles.
ANSWER_DEADLINE_S = 120.0
#: Bytes read at a time.
CHUNK = 64 * 1024


class PoliteClient:
    """What the API client and the downloader share: settings, session, clock, gate, block.

    Args:
        settings: URLs, intervals, timeout and retries.
        session: a requests session (a test may pass its own); one naming Papershelf is made
            otherwise.
        clock: seconds, monotonic (a test injects a fake one to check the spacing).
        sleep: waits (a test injects one that only advances its fake clock).
        gate: the rate gate; the process-wide one of the subclass unless a test passes one.
        block: the on-disk "access denied" state.
        backoff_s: the first pause before a retry.
    """

    default_gate: RateGate

    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        *,
        gate: RateGate | None = None,
        block: AccessBlock | None = None,
        backoff_s: float = BACKOFF_BASE_S,
    ) -> None:
        self.settings = settings
        self.session = session or new_session()
        self.clock: Clock = clock or time.monotonic
        self.sleep: Sleep = sleep or time.sleep
        self.gate = gate or self.default_gate
        self.block = block or AccessBlock()
        self.backoff_s = backoff_s
        self.stall_window_s = STALL_WINDOW_S
        self.stall_min_bytes = STALL_MIN_BYTES
        self.answer_deadline_s = ANSWER_DEADLINE_S
        self.max_answer_bytes = MAX_ANSWER_BYTES

    def body_chunks(
        self, response: requests.Response, *, deadline_s: float | None = None
    ) -> Iterator[bytes]:
        """The body of a streamed response, decoded, as it arrives.

        Raises:
            Stalled: fewer than ``stall_min_bytes`` arrived in a window of
                ``stall_window_s``, or the whole body took longer than ``deadline_s``.
            NetworkError: the connection broke (through :func:`classify`).
        """
        clock = time.monotonic  # real time, even under a test's fake clock: a stall is real
        start = window_start = clock()
        in_window = 0
        raw = response.raw
        try:
            while True:
                # read1 returns what has arrived (up to CHUNK, decoded); read(CHUNK) would
                # wait for a whole chunk, one trickled byte at a time, for ever.
                chunk = raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    return
                yield chunk
                now = clock()
                in_window += len(chunk)
                if deadline_s is not None and now - start > deadline_s:
                    raise Stalled(f"the answer took longer than {deadline_s:.0f} s")
                if now - window_start >= self.stall_window_s:
                    if in_window < self.stall_min_bytes:
                        raise Stalled(
                            f"the server sends too slowly ({in_window:,} bytes in "
                            f"{now - window_start:.0f} s)"
                        )
                    window_start, in_window = now, 0
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
            if isinstance(e, requests.RequestException):
                raise classify(e) from e
            raise Retryable("connection lost") from e

    def read_answer(self, response: requests.Response, what: str) -> bytes:
        """A whole (small) answer: at most ``max_answer_bytes`` decoded, within the deadline.

        Raises:
            BadResponse: the answer is larger than the limit.
            Stalled: see :meth:`body_chunks`.
        """
        parts: list[bytes] = []
        size = 0
        with response:
            for chunk in self.body_chunks(response, deadline_s=self.answer_deadline_s):
                size += len(chunk)
                if size > self.max_answer_bytes:
                    raise BadResponse(
                        f"{what}: the answer is larger than "
                        f"{self.max_answer_bytes / 2**20:.0f} MB; not read"
                    )
                parts.append(chunk)
        return b"".join(parts)

    def retrying(self, attempt: Callable[[], T], what: str) -> T:
        """Run ``attempt`` with this client's retries (see :func:`with_retries`)."""
        return with_retries(
            attempt,
            tries=self.settings.tries,
            sleep=self.sleep,
            what=what,
            backoff_s=self.backoff_s,
        )


class Retryable(NetworkError):
    """A passing failure: the request may succeed if tried again later.

    Attributes:
        reason: a few words ("timed out", "HTTP 503").
        retry_after: seconds the server asked to wait, if it said so.
        unreachable: the server could not be reached at all (no connection was made).
    """

    def __init__(
        self, reason: str, retry_after: float | None = None, *, unreachable: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.unreachable = unreachable


class Stalled(NetworkError):
    """The server sends so slowly that the answer is given up (not tried again)."""


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (a number of seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def check_status(response: requests.Response, block: AccessBlock) -> None:
    """Raise for an answer that is not a success.

    Raises:
        AccessDenied: 403 (and all fetching is blocked from now on).
        Retryable: 429 or 5xx.
        NetworkError: another 4xx ("HTTP 404").
    """
    status = response.status_code
    if status < 400:
        return
    response.close()
    if status == 403:
        raise block.block(response.url)
    if status == 429 or status >= 500:
        raise Retryable(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
    raise NetworkError(f"HTTP {status}")


def classify(exc: requests.RequestException) -> NetworkError:
    """The failure a ``requests`` exception stands for: mostly a passing one.

    A connection that cannot even be made (no route, no DNS, refused) means there is no
    network: it is not retried, so a user adding papers on a train is told at once that
    they were queued. A connection that times out, breaks or is dropped mid-answer is tried
    again.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return Retryable("timed out while connecting", unreachable=True)
    if _find(exc, urllib3.exceptions.NameResolutionError) is not None:
        return Unreachable(f"no network: {_host(exc)} cannot be resolved")
    if _find(exc, urllib3.exceptions.NewConnectionError) is not None:
        os_error = _find(exc, OSError, skip=requests.RequestException)
        why = getattr(os_error, "strerror", None) or "no connection"
        return Unreachable(f"cannot connect to {_host(exc)} ({why})")
    if isinstance(exc, requests.Timeout) or _find(exc, urllib3.exceptions.ReadTimeoutError):
        return Retryable("timed out")
    return Retryable("connection lost")


def _find(
    exc: BaseException,
    kind: type[E],
    skip: type[BaseException] | tuple[type[BaseException], ...] = (),
) -> E | None:
    """``exc`` or the first exception it wraps (urllib3's ``reason``, a cause) of a kind."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, kind) and not isinstance(e, skip):
            return e
        todo += [
            x
            for x in (getattr(e, "reason", None), e.__cause__, e.__context__, *e.args)
            if isinstance(x, BaseException)
        ]
    return None


def _host(exc: requests.RequestException) -> str:
    url = exc.request.url if exc.request is not None and exc.request.url else ""
    return urlsplit(str(url)).hostname or "the server"


def with_retries(
    attempt: Callable[[], T],
    *,
    tries: int,
    sleep: Sleep,
    what: str,
    backoff_s: float = BACKOFF_BASE_S,
) -> T:
    """Run ``attempt`` until it succeeds, at most ``tries`` times.

    A :class:`Retryable` failure waits (``backoff_s``, doubled each time, or longer when the
    server's Retry-After says so) and tries again; any other error goes through at once.

    Raises:
        Unreachable: every try failed to reach the server (the network is down).
        NetworkError: the tries ran out ("timed out after 4 tries"), or the server asked to
            wait longer than MAX_WAIT_S.
    """
    last: Retryable | None = None
    all_unreachable = True
    for n in range(1, max(1, tries) + 1):
        try:
            return attempt()
        except Retryable as e:
            last = e
            all_unreachable = all_unreachable and e.unreachable
            if n >= tries:
                break
            delay = backoff_s * 2 ** (n - 1)
            if e.retry_after is not None:
                if e.retry_after > MAX_WAIT_S:
                    raise NetworkError(
                        f"{e.reason}: the server asks to wait {e.retry_after:.0f} s before "
                        "trying again"
                    ) from e
                delay = max(delay, e.retry_after)
            log.info("%s: %s; trying again in %.1f s", what, e.reason, delay)
            sleep(delay)
    assert last is not None
    times = "once" if tries <= 1 else f"after {tries} tries"
    if all_unreachable:
        raise Unreachable(f"{what}: {last.reason} {times}") from last
    raise NetworkError(f"{last.reason} {times}") from last
