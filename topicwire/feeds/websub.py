"""WebSub publishing: tell the hub which topic feeds changed (issue 6).

    Pipeline.publish
    | publish_topic         -> paths rewritten      (feeds/publish.py: only on a byte change)
    | feed_urls             -> their self URLs      (pure)
    | WebSubPinger.notify   -> pending URLs; returns at once, one background round at a time
    |   POST hub.mode=publish&hub.url=URL            one request per URL (every hub takes that)
    |   verdict(status)     -> sent | dropped | retry  (pure)
    |   settle              -> what stays pending for the next publish (pure)

W3C WebSub section 4 has the feed advertise its hub (rel="hub" beside rel="self",
see render.py); how a publisher tells the hub about an update is left to the hub.
The de-facto form is PubSubHubbub 0.3 section 7.1, a form-encoded POST of
``hub.mode=publish`` and ``hub.url``; Google's hub and Superfeedr take it and answer
204. A hub may accept several ``hub.url`` in one request, but not all do, so each
URL gets its own request (on one kept-alive connection).

Pings never block or fail ingestion: they run in a worker thread, each bounded
by fetch.timeout as a deadline for the whole answer, status line and headers
included (sources/deadline.py: a hub that drips its headers cannot hold a round,
nor `once` waiting for it), and a failure is logged once (``event=websub.failed``) and kept in memory to be
retried on the next publish. The pending set is keyed by feed URL, so it is
bounded by the number of feeds however long the hub stays down.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import requests

from topicwire import log
from topicwire.config import Config
from topicwire.sources.deadline import Deadline, deadline_session, responses_begun, within

FEED_SUFFIXES = (".rss", ".atom", ".json")
Verdict = Literal["sent", "dropped", "retry"]
# The hub refused this request, not the moment: asking again gets the same answer.
# 408 and 429 are about the moment, so they are retried like 5xx and network errors.
_RETRY_4XX = frozenset({408, 429})
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")


# --- pure decisions ---------------------------------------------------------------------


def feed_urls(base_url: str, paths: Iterable[Path]) -> tuple[str, ...]:
    """The public (self link) URLs of the rewritten topic feeds among ``paths``.

    The self link is ``base_url + file name`` (FeedDoc.url), the URL subscribers
    hold and the hub fetches, so that is the ``hub.url`` to ping.
    """
    return tuple(dict.fromkeys(base_url + p.name for p in paths if p.suffix in FEED_SUFFIXES))


def publish_form(url: str) -> dict[str, str]:
    """The form fields of one publish ping (PubSubHubbub 0.3 section 7.1)."""
    return {"hub.mode": "publish", "hub.url": url}


def verdict(status: int | None) -> Verdict:
    """What one answer means for its URL; ``None`` is no answer (network error, timeout).

    2xx: the hub took it (204 is usual, 202 and 200 are seen). 3xx: not followed,
    since a redirected POST turns into a GET; like other 4xx it is the hub refusing
    this ping, so it is dropped rather than retried for ever. 5xx, 408, 429 and no
    answer are the hub being unwell: retried on the next publish.
    """
    if status is None:
        return "retry"
    if 200 <= status < 300:
        return "sent"
    if 300 <= status < 500 and status not in _RETRY_4XX:
        return "dropped"
    return "retry"


def merge(pending: Sequence[str], urls: Iterable[str]) -> tuple[str, ...]:
    """Pending URLs plus new ones, each once, in first-seen order."""
    return tuple(dict.fromkeys((*pending, *urls)))


def settle(pending: Sequence[str], results: Sequence[PingResult]) -> tuple[str, ...]:
    """What stays pending after a round: every URL not sent or dropped (failed or not tried)."""
    done = {r.url for r in results if r.verdict != "retry"}
    return tuple(u for u in pending if u not in done)


@dataclass(frozen=True)
class PingResult:
    url: str
    status: int | None  # None: no HTTP answer
    error: str = ""

    @property
    def verdict(self) -> Verdict:
        return verdict(self.status)


# --- the HTTP edge ----------------------------------------------------------------------

Post = Callable[[str], PingResult]


def send_round(urls: Sequence[str], post: Post) -> tuple[PingResult, ...]:
    """Ping each URL in order; stop at the first answer to retry.

    A hub that is down or failing fails every URL alike, so the rest wait for
    the next publish instead of each costing a timeout and a log line.
    """
    results = []
    for url in urls:
        result = post(url)
        results.append(result)
        if result.verdict == "retry":
            break
    return tuple(results)


class WebSubPinger:
    """Pings one hub in a background thread; at most one round runs at a time."""

    def __init__(self, hub: str, user_agent: str, timeout: tuple[float, float]) -> None:
        self.hub = hub
        self.user_agent = user_agent
        self.timeout = timeout  # (connect, read) seconds
        self._lock = threading.Lock()
        self._pending: tuple[str, ...] = ()
        self._due = False  # a publish came since the last round started
        self._idle = threading.Event()
        self._idle.set()

    @property
    def pending(self) -> tuple[str, ...]:
        with self._lock:
            return self._pending

    def notify(self, urls: Iterable[str]) -> None:
        """Queue pings for ``urls`` and retry the pending ones; returns at once."""
        with self._lock:
            self._pending = merge(self._pending, urls)
            self._due = True
            if not self._pending or not self._idle.is_set():
                return  # nothing to send, or the running round will pick these up
            self._idle.clear()
        # Not a daemon thread: `topicwire once` exits right after publishing, and the
        # interpreter waits for this round (bounded by the timeouts) before it does.
        threading.Thread(target=self._run, name="websub", daemon=False).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no round runs (for tests and shutdown); False on timeout."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        try:
            with self._session() as session:
                while batch := self._next_batch():
                    started = time.monotonic()
                    results = send_round(batch, lambda url: self._post(session, url))
                    with self._lock:
                        self._pending = settle(self._pending, results)
                    self._log(results, int((time.monotonic() - started) * 1000))
        except BaseException:
            self._idle.set()  # a bug: let the next publish try again, and propagate
            raise

    def _next_batch(self) -> tuple[str, ...]:
        """The URLs of the next round, or () and idle: decided under the lock, so a
        notify() cannot slip in between "nothing to do" and "idle" and be stranded."""
        with self._lock:
            batch = self._pending if self._due else ()
            self._due = False
            if not batch:
                self._idle.set()
            return batch

    def _session(self) -> requests.Session:
        # Like the fetcher: no environment proxies, and a deadline on every answer.
        session = deadline_session()
        session.headers["User-Agent"] = self.user_agent
        return session

    def _post(self, session: requests.Session, url: str) -> PingResult:
        # Deliberately not through sources/fetch.py and its private-address (SSRF)
        # guard: the hub is the operator's own setting, not a URL from a feed, and
        # hubs usually run on the same machine or LAN.
        with within(Deadline.start(self.timeout[1])):
            try:
                response = session.post(self.hub, data=publish_form(url), timeout=self.timeout, allow_redirects=False)
                response.close()
            except requests.ReadTimeout:
                return PingResult(url, None, self._timed_out())
            except requests.RequestException as e:
                return PingResult(url, None, _reason(e))
        return PingResult(url, response.status_code, _error(response))

    def _timed_out(self) -> str:
        if not responses_begun():  # no answer begun: the TLS handshake timed out
            return "TLS handshake timed out"
        return f"timed out after {self.timeout[1]:g} s waiting for the hub's answer"

    def _log(self, results: Sequence[PingResult], ms: int) -> None:
        sent = sum(r.verdict == "sent" for r in results)
        if sent:
            log.event("websub.pinged", hub=self.hub, feeds=sent, ms=ms)
        pending = len(self.pending)
        for r in results:
            if r.verdict != "sent":
                retry = r.verdict == "retry"
                fields = {"hub": self.hub, "url": r.url, "status": r.status, "error": r.error, "retry": retry}
                log.event("websub.failed", logging.WARNING, **fields, pending=pending if retry else None, ms=ms)


def _reason(e: requests.RequestException) -> str:
    """A short cause: requests nests urllib3's errors three deep in its message."""
    if isinstance(e, requests.ConnectTimeout | requests.ReadTimeout):
        return f"{'connect' if isinstance(e, requests.ConnectTimeout) else 'read'} timeout"
    found = _ERRNO.search(str(e))
    return found.group(0) if found else f"{type(e).__name__}: {e}"


def _error(response: requests.Response) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return ""
    if location := response.headers.get("Location"):
        return f"HTTP {status} to {location} (not followed: set output.websub_hub to the final URL)"
    return f"HTTP {status} {response.reason or ''}".rstrip()


def pinger_for(config: Config) -> WebSubPinger | None:
    """The pinger for ``output.websub_hub`` (fetch's User-Agent and timeouts), or None when off."""
    if not config.websub_hub:
        return None
    f = config.fetch
    return WebSubPinger(config.websub_hub, f.user_agent, (f.connect_timeout, f.timeout))
