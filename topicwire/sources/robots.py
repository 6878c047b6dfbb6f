"""robots.txt, fetched once per origin and cached (RFC 9309).

    allowed(url) / crawl_delay(url)
    | rules cached for scheme://host[:port], fresh for ttl (24 h at most, RFC 9309 2.4)
    | else one thread fetches /robots.txt; others for that origin wait for its answer
    |   2xx                    -> parse the first 500 KiB (2.5); redirects were followed (2.3.1.2)
    |   4xx                    -> "unavailable": everything allowed (2.3.1.3)
    |   5xx, 429, no answer    -> "unreachable": complete disallow (2.3.1.4), or the last
    |                             good copy if there is one (2.4); asked again after failure_ttl
    |   Throttled              -> our limiter did not send it: nothing cached, re-raised
    |   TargetError            -> about the URL, not the host's state (refused private address,
    |                             unresolvable host, TLS, invalid URL): the page's own fetch
    |                             fails the same way, so that is its error; re-raised, not cached

    refusal(url) says why a URL may not be fetched: disallowed by the rules, or
    robots.txt unreachable and why (a timeout, a 503), never one for the other.

Used for ``page`` sources and full-text fetches only: the feeds a site
publishes are meant to be polled, as feed readers do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from urllib.robotparser import RobotFileParser

from topicwire.errors import FetchError, TargetError, Throttled
from topicwire.sources.fetch import HttpGetter
from topicwire.sources.hosts import Clock
from topicwire.types import FetchResult

DEFAULT_TTL = 24 * 3600.0
FAILURE_TTL = 600.0  # unreachable: disallow for ten minutes, then ask again
MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309 2.5: parse at least 500 KiB
ROBOTS_ACCEPT = "text/plain, */*;q=0.1"
PRUNE_ABOVE = 1024

RobotsGet = Callable[[str], FetchResult]  # robots.txt URL -> its response


@dataclass(frozen=True)
class Rules:
    """One origin's parsed robots.txt (the parser is only read once built)."""

    parser: RobotFileParser
    expires: float
    fetched: bool  # from a real answer (2xx/4xx): reusable while the host is unreachable
    unreachable: str = ""  # why robots.txt could not be had ("" when these are its rules)


def parse_robots(content: bytes) -> RobotFileParser:
    """Rules from a robots.txt body, cut at MAX_ROBOTS_BYTES on a line boundary."""
    if len(content) > MAX_ROBOTS_BYTES:
        content = content[:MAX_ROBOTS_BYTES].rpartition(b"\n")[0]
    text = content.decode("utf-8", errors="replace").removeprefix("\ufeff")
    parser = RobotFileParser()
    parser.parse([_defused(line) for line in text.splitlines()])
    return parser


# robotparser reads these values as numbers: it checks str.isdigit() and then calls int(),
# which refuses some of what isdigit() accepts ("Crawl-delay: \u00b2", a superscript two):
# parse() raised ValueError, so every page of such a host crashed its poll, and robots.txt,
# never cached, was fetched again at each one.
_NUMBER_FIELDS = ("crawl-delay", "request-rate")


def _defused(line: str) -> str:
    """``line``, or, when it is a Crawl-delay or Request-rate whose value would crash
    robotparser, the same field with a value it ignores (as it ignores any non-number).
    The line is kept, not dropped: robotparser ends a group's user-agent lines at it."""
    field, colon, value = line.partition("#")[0].partition(":")
    name = field.strip().lower()
    if not colon or name not in _NUMBER_FIELDS:
        return line
    numbers = [n.strip() for n in unquote(value.strip()).split("/")]  # robotparser unquotes too
    if all(n.isdecimal() or not n.isdigit() for n in numbers):  # int() takes every decimal
        return line
    return f"{name}: -"


def blanket(*, allow: bool) -> RobotFileParser:
    """Rules allowing or disallowing every path to every agent."""
    parser = RobotFileParser()
    parser.parse([] if allow else ["User-agent: *", "Disallow: /"])
    return parser


# A Crawl-delay of more than a day is a typo or hostile; a day between requests is already
# more than any politeness asks (and requests that would wait over 30 s are deferred anyway).
MAX_CRAWL_DELAY = 86400


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.rpartition('@')[2].lower()}"


def is_unavailable(error: FetchError) -> bool:
    """4xx: no robots.txt to honour. 429 is not "absent" but "slow down" (as Google treats it)."""
    return error.status is not None and 400 <= error.status < 500 and error.status != 429


class RobotsCache:
    """Thread-safe robots.txt cache; at most one robots fetch per origin at a time."""

    def __init__(
        self,
        fetcher: HttpGetter,
        user_agent: str,
        ttl: float = DEFAULT_TTL,
        clock: Clock = time.monotonic,
        failure_ttl: float = FAILURE_TTL,
    ) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._rules: dict[str, Rules] = {}
        self._pending: dict[str, threading.Event] = {}

    def allowed(self, url: str, fetch: RobotsGet | None = None) -> bool:
        """May ``url`` be fetched? ``fetch`` replaces the default GET of robots.txt."""
        return self.refusal(url, fetch) is None

    def refusal(self, url: str, fetch: RobotsGet | None = None) -> str | None:
        """None when ``url`` may be fetched, else why not. Raises the TargetError of a
        robots.txt fetch (it belongs to ``url`` too) with ``url`` as its URL."""
        try:
            rules = self.rules(url, fetch)
        except TargetError as e:
            raise TargetError(url, e.message) from e
        if rules.parser.can_fetch(self.user_agent, url):
            return None
        if rules.unreachable:
            return f"robots.txt unreachable ({rules.unreachable}): disallowed for now (RFC 9309 2.3.1.4)"
        return "disallowed by robots.txt"

    def crawl_delay(self, url: str, fetch: RobotsGet | None = None) -> float | None:
        """The Crawl-delay for our user agent (whole seconds, as urllib.robotparser reads it),
        at most MAX_CRAWL_DELAY: robotparser keeps any run of digits as an int, and
        float() of one with 400 digits raises OverflowError (issue 13)."""
        delay = self.rules(url, fetch).parser.crawl_delay(self.user_agent)
        if delay is None:
            return None
        return float(min(int(delay), MAX_CRAWL_DELAY))  # typeshed says str; robotparser gives an int

    def rules(self, url: str, fetch: RobotsGet | None = None) -> Rules:
        key = origin(url)
        while True:
            with self._lock:
                cached = self._rules.get(key)
                if cached is not None and cached.expires > self.clock():
                    return cached
                pending = self._pending.get(key)
                mine = pending is None
                if pending is None:
                    pending = self._pending[key] = threading.Event()
            if mine:
                return self._refresh(key, cached, fetch or self._default_get)
            pending.wait()  # the fetching thread's Fetcher has a deadline

    def _refresh(self, key: str, cached: Rules | None, fetch: RobotsGet) -> Rules:
        rules = None
        try:
            rules = self._load(key, cached, fetch)
            return rules
        finally:
            with self._lock:
                if rules is not None:
                    self._store(key, rules)
                self._pending.pop(key).set()

    def _load(self, key: str, cached: Rules | None, fetch: RobotsGet) -> Rules:
        now = self.clock()
        try:
            result = fetch(key + "/robots.txt")
        except (Throttled, TargetError):
            raise
        except FetchError as e:
            if is_unavailable(e):
                return Rules(blanket(allow=True), now + self.ttl, fetched=True)
            if cached is not None and cached.fetched:
                return Rules(cached.parser, now + self.failure_ttl, fetched=True)
            return Rules(blanket(allow=False), now + self.failure_ttl, fetched=False, unreachable=e.message)
        return Rules(parse_robots(result.content), now + self.ttl, fetched=True)

    def _store(self, key: str, rules: Rules) -> None:
        if len(self._rules) >= PRUNE_ABOVE:
            now = self.clock()
            self._rules = {k: r for k, r in self._rules.items() if r.expires > now}
        self._rules[key] = rules

    def _default_get(self, robots_url: str) -> FetchResult:
        return self.fetcher.get(robots_url, accept=ROBOTS_ACCEPT)
