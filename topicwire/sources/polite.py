"""Every request to a host — feed poll, listing page, article, robots.txt — on one budget.

    PoliteFetcher.get(url, purpose)
    | not an http(s) URL with a host?              -> TargetError, nothing sent
    | URL or host deferred by a Retry-After?       -> Throttled, nothing sent
    | purpose "page": robots.txt disallows the URL? -> FetchError, nothing sent, naming
    |                 why: its rules, or robots.txt unreachable (and why); a robots.txt
    |                 fetch that failed for the URL's own reasons -> that TargetError
    |                 its Crawl-delay               -> the host limiter's spacing
    | limiter.slot(host): Fetcher.get(url)
    | 429/503                                      -> limiter.defer(url, Retry-After); re-raise

Feeds (purpose "feed") skip robots.txt: a feed the site publishes is meant to
be polled, as every feed reader does; they still share the host's slots,
spacing and deferrals.
"""

from __future__ import annotations

import math
from typing import Literal

from topicwire.errors import FetchError, Throttled
from topicwire.sources.fetch import HttpGetter, check_url
from topicwire.sources.hosts import HostLimiter, host_key
from topicwire.sources.robots import ROBOTS_ACCEPT, RobotsCache
from topicwire.types import FetchResult

Purpose = Literal["feed", "page"]
DEFER_STATUSES = frozenset({429, 503})


class PoliteFetcher:
    """A Fetcher behind a shared HostLimiter and RobotsCache.

    The limiter and robots cache are shared by every worker; the Fetcher is
    this worker's own (a ``requests.Session`` is not meant to be shared).
    ``robots`` None consults no robots.txt (the operator turned it off).
    """

    def __init__(self, fetcher: HttpGetter, limiter: HostLimiter, robots: RobotsCache | None = None) -> None:
        self.fetcher = fetcher
        self.limiter = limiter
        self.robots = robots

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> PoliteFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        purpose: Purpose = "feed",
    ) -> FetchResult:
        """Fetcher.get, politely; raises FetchError (Throttled when nothing was sent)."""
        # A URL that cannot be fetched at all is its own error, before robots.txt
        # (whose URL is built from it) or the host limiter (keyed by its host) see it.
        check_url(url)
        self._check_deferred(url)
        if purpose == "page" and self.robots is not None:
            self._check_robots(url, self.robots)
        return self._send(url, etag=etag, last_modified=last_modified, accept=accept)

    def _check_deferred(self, url: str) -> None:
        until = self.limiter.deferred_until(url)
        remaining = 0.0 if until is None else until - self.limiter.clock()
        if remaining > 0:
            raise Throttled(
                url,
                f"deferred by the server's Retry-After: retry in {math.ceil(remaining)} s",
                retry_after=remaining,
            )

    def _check_robots(self, url: str, robots: RobotsCache) -> None:
        refusal = robots.refusal(url, self._get_robots)
        if refusal is not None:
            raise FetchError(url, refusal)
        self.limiter.set_crawl_delay(host_key(url), robots.crawl_delay(url, self._get_robots))

    def _get_robots(self, robots_url: str) -> FetchResult:
        # robots.txt is traffic to the host too: same deferrals, same slots.
        self._check_deferred(robots_url)
        return self._send(robots_url, accept=ROBOTS_ACCEPT)

    def _send(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        with self.limiter.slot(host_key(url), url=url):
            try:
                return self.fetcher.get(url, etag=etag, last_modified=last_modified, accept=accept)
            except FetchError as e:
                if e.status in DEFER_STATUSES:
                    self.limiter.defer(url, e.retry_after, e.status)
                raise
