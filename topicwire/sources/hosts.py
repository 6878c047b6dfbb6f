"""One politeness budget per host, shared by every worker thread.

    slot(host)      wait for one of the host's ``per_host_concurrency`` slots,
                    then reserve the next start time: the last start to that
                    host + max(min_delay, its robots Crawl-delay);
                    refuse with Throttled when that would take over max_wait
    defer(url, s)   a 429/503 Retry-After keeps that URL quiet until then;
                    429s from >= 2 URLs of one host within 10 min pause the host
    deferred_until  the later of the URL's deferral and its host's pause

Every host has its own Condition (on one shared lock, held only for
bookkeeping, never while sleeping or fetching): a slow host's waiters never
hold up a request to another host.

Across workers (issue 16 point 1): given a ``HostBoard`` (the Store's ``hosts``, wired
by pipeline.make_fetcher when the store is shared: PostgreSQL), every start is also
reserved there (one atomic upsert: max(the host's next start, ours) + spacing, at least
the host's stored Crawl-delay; none when the host has no spacing: ``per_host_delay =
"0s"`` and no Crawl-delay known), every Retry-After, 429 and robots.txt Crawl-delay read
is written there, and the host's notes there (deferrals, Crawl-delay) are read before a
request (cached PAUSES_TTL): a worker that never read the host's robots.txt (feed polls
skip it) is spaced by the Crawl-delay another worker read. The in-memory state is kept
as before: it spaces this process's threads, and holds alone if the store fails. Without a board (SQLite: one
process polls) the in-memory limiter is the whole truth, and no request costs a store
write. Per-host concurrency (``per_host_concurrency``) is always per process.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from topicwire import log
from topicwire.errors import StoreError, Throttled
from topicwire.types import HostNotes

Clock = Callable[[], float]  # monotonic seconds
Sleep = Callable[[float], None]

# A 429 without Retry-After still says "too fast": back off a minute rather
# than hit the host again on the next poll (RFC 6585 4 leaves the wait to us).
# A 503 without Retry-After is an ordinary server error; the poll interval
# paces its retries, so it defers nothing.
DEFAULT_429_DELAY = 60.0
# 429s from this many distinct URLs of one host within the window mean the
# host is rate-limiting *us*, not one resource: pause every URL of it.
WIDEN_URLS = 2
WIDEN_WINDOW = 600.0
# Idle per-host state is dropped past this many hosts (article links reach
# thousands of hosts over a daemon's life); an idle host's state is empty anyway.
PRUNE_ABOVE = 1024
# A host's deferrals read from the board stand this long: another worker's 429 pause is
# seen at most this late, and a busy host costs one read per PAUSES_TTL, not per request.
PAUSES_TTL = 2.0
# A Crawl-delay written to the board stands this long (robots.txt is read again daily, and
# each reading is written again): a host nobody reads robots.txt of any more loses it.
CRAWL_DELAY_TTL = 25 * 3600.0
# The same Crawl-delay is written again after this long, so it does not lapse while read.
CRAWL_DELAY_REWRITE = 12 * 3600.0
CRAWL_DELAY_RETRY = 60.0  # after a failed write


class HostBoard(Protocol):
    """Politeness state every worker of one store shares (store/hosts.py). Times are
    wall-clock unix seconds: several machines read them (keep their clocks in sync, NTP).
    Each call may raise StoreError."""

    def reserve_start(self, host: str, earliest: float, spacing: float, latest: float) -> float:
        """The host's next start no sooner than ``earliest``; reserved (the next start after
        it moves to it + ``spacing``) when no later than ``latest``. Returns it, reserved or not."""
        ...

    def notes(self, host: str, now: float) -> HostNotes:
        """The host's deferrals in force at ``now`` ((url, until); url "" is the whole host)
        and its Crawl-delay in force."""
        ...

    def set_crawl_delay(self, host: str, seconds: float | None, now: float, until: float) -> None:
        """The host's robots.txt, read at ``now``, asks ``seconds`` (None: nothing) until ``until``."""
        ...

    def defer(self, host: str, url: str, until: float, now: float, strike: bool, since: float, widen_at: int) -> None:
        """``url`` waits until ``until``; a 429 (``strike``) pauses the host once ``widen_at``
        distinct URLs of it struck since ``since``."""
        ...


def host_key(url: str) -> str:
    """``HTTP://User@Example.ORG:8080/x`` -> ``example.org:8080`` (port kept, no userinfo)."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


@dataclass
class _Host:
    """Mutable per-host bookkeeping, guarded by the limiter's lock."""

    ready: threading.Condition
    in_flight: int = 0
    waiters: int = 0
    last_start: float = -math.inf


@dataclass(frozen=True)
class _Strike:
    """One 429 from one URL: when it came and until when it asked us to wait."""

    url: str
    at: float
    until: float


@dataclass
class _Deferrals:
    """Retry-After bookkeeping (monotonic deadlines), guarded by the limiter's lock."""

    urls: dict[str, float] = field(default_factory=dict)
    hosts: dict[str, float] = field(default_factory=dict)
    strikes: dict[str, tuple[_Strike, ...]] = field(default_factory=dict)

    def prune(self, now: float) -> None:
        self.urls = {u: t for u, t in self.urls.items() if t > now}
        self.hosts = {h: t for h, t in self.hosts.items() if t > now}
        self.strikes = {h: kept for h, s in self.strikes.items() if (kept := _recent(s, now))}


def _recent(strikes: tuple[_Strike, ...], now: float) -> tuple[_Strike, ...]:
    return tuple(s for s in strikes if s.at > now - WIDEN_WINDOW)


class HostLimiter:
    """Per-host concurrency, spacing and Retry-After deferrals. Thread-safe."""

    def __init__(
        self,
        per_host_concurrency: int = 2,
        min_delay: float = 1.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        max_wait: float = 30.0,
        board: HostBoard | None = None,
        wall: Clock = time.time,
    ) -> None:
        if per_host_concurrency < 1:
            raise ValueError(f"per_host_concurrency must be >= 1, not {per_host_concurrency}")
        if min_delay < 0 or max_wait < 0:
            raise ValueError("min_delay and max_wait must be >= 0")
        self.per_host_concurrency = per_host_concurrency
        self.min_delay = min_delay
        self.max_wait = max_wait
        self.clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._crawl_delays: dict[str, float] = {}
        self._deferrals = _Deferrals()
        # The shared board (None: this process alone), the wall clock its times are on,
        # each host's notes read from it: host -> (read at, notes with until in clock s),
        # and each Crawl-delay this process wrote there: host -> (seconds, written at)
        self.board = board
        self._wall = wall
        self._board_notes: dict[str, tuple[float, HostNotes]] = {}
        self._delays_written: dict[str, tuple[float | None, float]] = {}
        self._board_failing = False

    # -- spacing and concurrency ---------------------------------------------------------

    @contextmanager
    def slot(self, host: str, *, url: str | None = None) -> Iterator[None]:
        """Hold one of ``host``'s slots, started no sooner than its spacing allows.

        ``url`` only names the request in a Throttled error.
        """
        host = host.lower()
        self._acquire(host, url or host)
        try:
            yield
        finally:
            self._release(host)

    def set_crawl_delay(self, host: str, seconds: float | None) -> None:
        """The host's robots.txt Crawl-delay; it spaces requests when larger than min_delay.
        With a board, a new reading (or the same one after CRAWL_DELAY_REWRITE) is written
        there for the other workers: once per change, not once per request."""
        host = host.lower()
        delay = float(seconds) if seconds is not None and seconds > 0 else None
        now = self.clock()
        with self._lock:
            if delay is None:
                self._crawl_delays.pop(host, None)
            else:
                self._crawl_delays[host] = delay
            written = self._delays_written.get(host)
            fresh = written is not None and written[0] == delay and now - written[1] < CRAWL_DELAY_REWRITE
            if self.board is None or fresh:
                return
            if len(self._delays_written) >= PRUNE_ABOVE:
                self._delays_written = {
                    h: w for h, w in self._delays_written.items() if now - w[1] < CRAWL_DELAY_REWRITE
                }
            self._delays_written[host] = (delay, now)
        offset = self._wall() - now
        try:
            self.board.set_crawl_delay(host, delay, now + offset, now + offset + CRAWL_DELAY_TTL)
        except StoreError as e:  # written again at a reading a minute on, not at every request
            with self._lock:
                self._delays_written[host] = (delay, now - CRAWL_DELAY_REWRITE + CRAWL_DELAY_RETRY)
            self._board_failed(host, e)
        else:
            self._board_answered()

    def spacing(self, host: str) -> float:
        """Seconds between two request starts to ``host``: ``min_delay``, or the host's
        Crawl-delay (this process's reading, or the board's) when larger."""
        host = host.lower()
        noted = self._board_notes.get(host)
        shared = noted[1].crawl_delay if noted is not None else None
        return max(self.min_delay, self._crawl_delays.get(host, 0.0), shared or 0.0)

    def _acquire(self, host: str, url: str) -> None:
        deadline = self.clock() + self.max_wait
        with self._lock:
            state = self._state(host)
            self._wait_for_slot(state, host, url, deadline)
            now = self.clock()
            start = max(now, state.last_start + self.spacing(host))
            if start > deadline:
                self._free(state)
                raise self._busy(url, host, start - now)
            # Reserve the start under the lock, sleep outside it: the next
            # caller queues behind this start instead of racing for it.
            before, state.last_start = state.last_start, start
        if self.board is not None and self.spacing(host) > 0:  # no spacing: nothing to reserve
            try:
                start = self._reserve_shared(self.board, state, host, url, (before, start, deadline))
            except BaseException:  # Throttled, or a bug: the slot is not kept
                with self._lock:
                    self._free(state)
                raise
        now = self.clock()
        if start > now:
            self._sleep(start - now)

    def _busy(self, url: str, host: str, wait: float) -> Throttled:
        return Throttled(
            url, f"host busy: next request to {host} allowed in {wait:.0f} s (max_wait {self.max_wait:g} s)"
        )

    def _reserve_shared(
        self, board: HostBoard, state: _Host, host: str, url: str, local: tuple[float, float, float]
    ) -> float:
        """Our start reserved on the board too (no sooner than the local one); over
        ``max_wait`` away, the local reservation is given back and Throttled raised.
        A store that fails leaves the local start: this process stays polite."""
        before, start, deadline = local
        offset = self._wall() - self.clock()
        try:
            shared = board.reserve_start(host, start + offset, self.spacing(host), deadline + offset) - offset
        except StoreError as e:
            self._board_failed(host, e)
            return start
        self._board_answered()
        with self._lock:
            if shared > deadline:
                if state.last_start == start:  # nobody queued behind us: the refusal reserves nothing
                    state.last_start = before
                raise self._busy(url, host, shared - self.clock())
            state.last_start = max(state.last_start, shared)
        return shared

    def _board_failed(self, host: str, error: StoreError) -> None:
        """Logged once per outage, not once per request: the in-memory state holds meanwhile."""
        if not self._board_failing:
            self._board_failing = True
            log.event("hosts.board_failed", logging.WARNING, host=host, error=str(error))

    def _board_answered(self) -> None:
        """The outage is over: the next failure is logged again. Every call that answered says
        so, not only reservations: a host without spacing reserves nothing (per_host_delay 0s),
        and its reads and deferrals alone left every later outage unlogged."""
        self._board_failing = False

    def _wait_for_slot(self, state: _Host, host: str, url: str, deadline: float) -> None:
        while state.in_flight >= self.per_host_concurrency:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise Throttled(
                    url,
                    f"host busy: {state.in_flight} requests to {host} in flight for more than {self.max_wait:g} s",
                )
            state.waiters += 1
            try:
                state.ready.wait(remaining)
            finally:
                state.waiters -= 1
        state.in_flight += 1

    def _release(self, host: str) -> None:
        with self._lock:
            self._free(self._hosts[host])

    def _free(self, state: _Host) -> None:
        state.in_flight -= 1
        state.ready.notify()

    def _state(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            if len(self._hosts) >= PRUNE_ABOVE:
                self._prune_hosts()
            state = self._hosts[host] = _Host(threading.Condition(self._lock))
        return state

    def _prune_hosts(self) -> None:
        now = self.clock()
        self._hosts = {
            host: s
            for host, s in self._hosts.items()
            if s.in_flight or s.waiters or s.last_start + self.spacing(host) > now
        }

    # -- Retry-After ---------------------------------------------------------------------

    def defer(self, url: str, seconds: float | None, status: int | None) -> None:
        """Record a server's Retry-After for ``url`` (``seconds`` None: it sent none)."""
        if seconds is None:
            if status != 429:
                return
            seconds = DEFAULT_429_DELAY
        now = self.clock()
        until = now + max(0.0, seconds)
        with self._lock:
            d = self._deferrals
            d.prune(now)
            # Never retry sooner than asked: a shorter, later answer does not
            # cut short a longer wait already promised.
            d.urls[url] = max(until, d.urls.get(url, until))
            if status == 429:
                self._strike(host_key(url), _Strike(url, now, until))
        if self.board is not None:
            self._defer_shared(self.board, url, until, now, status == 429)

    def _defer_shared(self, board: HostBoard, url: str, until: float, now: float, strike: bool) -> None:
        host = host_key(url)
        offset = self._wall() - now
        try:
            board.defer(host, url, until + offset, now + offset, strike, now - WIDEN_WINDOW + offset, WIDEN_URLS)
        except StoreError as e:  # the in-memory deferral holds for this process
            self._board_failed(host, e)
        else:
            self._board_answered()
        with self._lock:  # read again at the next request, with the host pause this may have made;
            noted = self._board_notes.get(host)  # the last reading stands till then, and through an outage
            if noted is not None:
                self._board_notes[host] = (-math.inf, noted[1])

    def _strike(self, host: str, strike: _Strike) -> None:
        d = self._deferrals
        strikes = _recent(d.strikes.get(host, ()), strike.at) + (strike,)
        d.strikes[host] = strikes
        if len({s.url for s in strikes}) >= WIDEN_URLS:
            until = max(s.until for s in strikes)
            d.hosts[host] = max(until, d.hosts.get(host, until))

    def deferred_until(self, url: str) -> float | None:
        """When ``url`` may be requested again (clock seconds), or None when it may now."""
        now = self.clock()
        host = host_key(url)
        with self._lock:
            d = self._deferrals
            times = [d.urls.get(url), d.hosts.get(host)]
        if self.board is not None:
            pauses = self._shared_notes(self.board, host, now).pauses
            times += [until for where, until in pauses if where in ("", url)]
        return max((t for t in times if t is not None and t > now), default=None)

    def _shared_notes(self, board: HostBoard, host: str, now: float) -> HostNotes:
        """The host's notes on the board (deferrals in clock seconds, its Crawl-delay), read
        at most once per PAUSES_TTL: every request asks (PoliteFetcher checks deferrals
        first), so a Crawl-delay another worker read spaces this one's next request."""
        with self._lock:
            read_at, found = self._board_notes.get(host, (-math.inf, HostNotes()))
        if read_at + PAUSES_TTL > now:
            return found
        offset = self._wall() - now
        try:
            noted = board.notes(host, now + offset)
        except StoreError as e:  # the in-memory deferrals hold for this process
            self._board_failed(host, e)
            # The last reading stands (its pauses end at their own times, its Crawl-delay
            # still spaces) and is asked for again in PAUSES_TTL, not at every request: each
            # try waits for a pooled connection while the database is away.
            with self._lock:
                self._board_notes[host] = (now, found)
            return found
        self._board_answered()
        found = HostNotes(tuple((where, until - offset) for where, until in noted.pauses), noted.crawl_delay)
        with self._lock:
            if len(self._board_notes) >= PRUNE_ABOVE:
                self._board_notes = {h: p for h, p in self._board_notes.items() if p[0] + PAUSES_TTL > now}
            self._board_notes[host] = (now, found)
        return found

    def stats(self) -> dict[str, int | tuple[str, ...]]:
        """A small snapshot for metrics."""
        now = self.clock()
        with self._lock:
            self._deferrals.prune(now)
            return {
                "deferred_urls": len(self._deferrals.urls),
                "paused_hosts": tuple(sorted(self._deferrals.hosts)),
                "busy_hosts": sum(1 for s in self._hosts.values() if s.in_flight),
                "crawl_delayed_hosts": len(
                    set(self._crawl_delays) | {h for h, (_, n) in self._board_notes.items() if n.crawl_delay}
                ),
            }
