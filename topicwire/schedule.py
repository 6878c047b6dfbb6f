"""When a source is next due: pure decisions with an explicit ``now``, no I/O.

    success  -> now + max(interval, freshness floor) + jitter (+ the daemon's start-up spread)
    failure  -> now + max(backoff(error_count), Retry-After)

    interval        the configured one, or ``adaptive_interval`` for ``interval = "auto"``
    freshness floor ``freshness_floor``: Cache-Control max-age / Expires / RSS <ttl>
    jitter          a random 0-10% of the interval, at most MAX_JITTER: polls never come
                    sooner than asked, and sources polled together drift apart
    backoff         exponential in the count of consecutive failures, capped, jittered

Below both the pipeline, which computes it after each poll, and the daemon's scheduler
(``daemon/scheduler.py``), which acts on it; the store records the
error text and count. Randomness is passed in (``rand``) so tests are exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from topicwire.datetimes import http_date, read_rfc822

HOUR = 3600.0
DAY = 24 * HOUR

# -- adaptive interval -------------------------------------------------------------------------
SAMPLE_POSTS = 20  # the newest posts that make the estimate: recent behaviour wins
LOOKBACK = timedelta(days=30)  # posts older than this say nothing about today's rate
MIN_POSTS = 3  # fewer, in a document that does not reach LOOKBACK back, is too little to go on
POLLS_PER_GAP = 2.0  # poll twice per mean gap: a new post waits half a gap at most, a quarter on average
DEFAULT_INTERVAL = HOUR  # without evidence: the usual default of feed readers

# -- freshness floor ---------------------------------------------------------------------------
# Servers set max-age=31536000 ("cache for a year") on everything when a CDN rule meant for
# static assets also matches the feed; obeyed, it would stop polling for a year. A day keeps
# the politeness (at most one poll a day) without losing the source.
MAX_FLOOR = DAY

# -- jitter ----------------------------------------------------------------------------------
# Added to every next-due time after a success, so that sources with one interval that were
# polled together (a start-up, a burst of 304s) do not stay together round after round. Only
# ever later, never sooner than the interval; capped so that a 1-day interval still polls on time.
MAX_JITTER = 120.0
JITTER_FRACTION = 0.1

# -- failures ----------------------------------------------------------------------------------
BACKOFF_CAP = 6 * HOUR
MAX_DOUBLINGS = 60  # 2**60 * interval is past any cap; a larger exponent overflows float
# The one limit on any delay, Retry-After included: a server asking for more than a month is misconfigured (or
# the date is garbage), and a delay of centuries would overflow datetime arithmetic.
MAX_DELAY = 30 * DAY

Reason = Literal["interval", "floor", "backoff", "retry_after"]


@dataclass(frozen=True)
class Schedule:
    """When a source is next due, and which rule decided it (for the logs)."""

    due: datetime
    delay: float  # seconds after ``now``
    reason: Reason


def jitter_for(interval: float) -> int:
    """The most jitter for ``interval``: 10% of it, at most MAX_JITTER (2 minutes), whole seconds."""
    return int(min(interval * JITTER_FRACTION, MAX_JITTER))


def adaptive_interval(published: Sequence[datetime], now: datetime, min_interval: float, max_interval: float) -> float:
    """Seconds between polls, from when the feed's entries were published.

    Sample: the distinct past publication times, newest first, at most
    SAMPLE_POSTS (20) and none older than LOOKBACK (30 days). Mean gap: the
    time from the oldest of them to ``now`` over their count -- or LOOKBACK
    over their count when the document reaches further back than the sample
    (a slow feed). Measuring up to ``now``, not to the newest post, slows down
    a feed that went quiet. Poll POLLS_PER_GAP (2) times per mean gap. Fewer
    than MIN_POSTS (3) in a document that reaches back less than LOOKBACK:
    DEFAULT_INTERVAL (1 h). Always clamped to [min_interval, max_interval].
    """
    gap = mean_gap(published, now)
    interval = DEFAULT_INTERVAL if gap is None else gap / POLLS_PER_GAP
    return clamp(interval, min_interval, max_interval)


def mean_gap(published: Sequence[datetime], now: datetime) -> float | None:
    """Seconds between posts lately (see ``adaptive_interval``); None without evidence."""
    posts = past_posts(published, now)
    horizon = now - LOOKBACK
    sample = tuple(p for p in posts[:SAMPLE_POSTS] if p >= horizon)
    if len(sample) == SAMPLE_POSTS:
        return (now - sample[-1]).total_seconds() / len(sample)
    if len(posts) > len(sample):  # the document covers all of LOOKBACK: a slow feed
        return LOOKBACK.total_seconds() / max(len(sample), 1)
    if len(sample) < MIN_POSTS:  # a new feed, or one that keeps only a post or two
        return None
    return (now - sample[-1]).total_seconds() / len(sample)


def past_posts(published: Sequence[datetime], now: datetime) -> tuple[datetime, ...]:
    """Distinct publication times not after ``now``, newest first.

    Future dates are wrong clocks or scheduled posts, and say nothing about
    the past rate. Equal dates count once: a feed repeating an entry, or a
    batch stamped the same second, is one event to a poller (one poll gets all).
    """
    return tuple(sorted({p for p in published if p <= now}, reverse=True))


def freshness_floor(headers: Mapping[str, str], ttl_minutes: int | None, now: datetime) -> float | None:
    """Seconds the server asked us not to poll again within; None when it did not ask.

    The largest of the HTTP freshness lifetime (``http_freshness``) and the
    RSS ``<ttl>``, capped at MAX_FLOOR.
    """
    ttl = ttl_minutes * 60.0 if ttl_minutes is not None and ttl_minutes > 0 else None
    asked = [s for s in (http_freshness(headers, now), ttl) if s is not None and s > 0]
    return min(max(asked), MAX_FLOOR) if asked else None


def http_freshness(headers: Mapping[str, str], now: datetime) -> float | None:
    """RFC 9111 4.2.1: the remaining freshness lifetime of a response, for a private cache.

    ``no-store``/``no-cache`` ask for no freshness at all. ``max-age`` wins over
    ``Expires`` (RFC 9111 5.3) and is reduced by ``Age`` (time already spent in
    an upstream cache, 4.2.3). ``s-maxage`` is for shared caches; we are not one.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    directives = cache_directives(lowered.get("cache-control", ""))
    if "no-store" in directives or "no-cache" in directives:
        return None
    if "max-age" in directives:
        max_age = delta_seconds(directives["max-age"])
        return None if max_age is None else max_age - (delta_seconds(lowered.get("age", "")) or 0.0)
    return expires_in(lowered.get("expires", ""), lowered.get("date", ""), now)


def cache_directives(value: str) -> dict[str, str]:
    """``public, max-age="60"`` -> {"public": "", "max-age": "60"}; the first of a repeated one wins."""
    directives: dict[str, str] = {}
    for part in value.split(","):
        name, _, argument = part.partition("=")
        directives.setdefault(name.strip().lower(), argument.strip().strip('"'))
    return directives


def delta_seconds(value: str) -> float | None:
    value = value.strip()
    return float(value) if value.isascii() and value.isdigit() else None


def expires_in(expires: str, date: str, now: datetime) -> float | None:
    """Seconds until ``Expires``, measured from the server's ``Date`` when it sent one.

    Expires minus Date is what the server meant, whatever our clock says
    (RFC 9111 4.2.1). Unreadable dates, like the common ``Expires: 0`` or
    ``-1``, mean already expired (RFC 9111 5.3): None, as for a past date.
    """
    # Not bounded like other dates: an Expires past datetimes.MAX_YEAR ("31 Dec 9999") says
    # "never expires", not "unreadable"; it gets MAX_FLOOR as a year of max-age does (review
    # of issue 15: bounded, it meant no floor at all). Aware minus aware cannot overflow.
    expiry = read_rfc822(expires)
    if expiry is None:
        return None
    if expiry.tzinfo is None:  # "-0000": HTTP-dates are GMT anyway
        expiry = expiry.replace(tzinfo=UTC)
    seconds = (expiry - (http_date(date) or now)).total_seconds()
    return seconds if seconds > 0 else None


def backoff(error_count: int, interval: float, rand: float, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after ``error_count`` consecutive failures.

    ``interval * 2**(error_count - 1)`` capped at ``cap``, with equal jitter:
    half of it fixed, half scaled by ``rand`` in [0, 1) -- so [base/2, base).
    Full jitter (0..base) would let ``rand`` near 0 retry a failing server at
    once; equal jitter still spreads sources that failed together (a shared
    host going down). See "Exponential Backoff And Jitter", AWS Architecture
    Blog, 2015.
    """
    if not 0.0 <= rand < 1.0:
        raise ValueError(f"rand must be in [0, 1), got {rand}")
    doublings = min(max(error_count, 1) - 1, MAX_DOUBLINGS)
    base = min(interval * 2.0**doublings, cap)
    return base / 2 + base / 2 * rand


def schedule(
    now: datetime,
    *,
    interval: float,
    error_count: int = 0,
    retry_after: float | None = None,
    floor: float | None = None,
    rand: float = 0.5,
    cap: float = BACKOFF_CAP,
    jitter: float = 0.0,
) -> Schedule:
    """``next_due`` with the delay and the rule that decided it.

    ``jitter`` (seconds, >= 0) is added after a success, whichever rule won
    (``jitter_for`` bounds the random part; the daemon adds its start-up spread):
    backoff has its own jitter, and Retry-After is an exact time the server chose.
    """
    if error_count > 0:
        candidates: dict[Reason, float] = {"backoff": backoff(error_count, interval, rand, cap)}
    else:
        extra = max(jitter, 0.0)
        candidates = {"interval": interval + extra, "floor": (floor or 0.0) + extra if floor else 0.0}
    # Retry-After holds on success too: never poll sooner than the server asked.
    candidates["retry_after"] = retry_after or 0.0
    reason = max(candidates, key=lambda name: candidates[name])  # ties: the first listed
    delay = min(max(candidates[reason], 0.0), MAX_DELAY)
    return Schedule(due=now + timedelta(seconds=delay), delay=delay, reason=reason)


def next_due(
    now: datetime,
    *,
    interval: float,
    error_count: int = 0,
    retry_after: float | None = None,
    floor: float | None = None,
    rand: float = 0.5,
    cap: float = BACKOFF_CAP,
    jitter: float = 0.0,
) -> datetime:
    """When to poll next: after a success (``error_count == 0``) or the latest failure."""
    return schedule(
        now,
        interval=interval,
        error_count=error_count,
        retry_after=retry_after,
        floor=floor,
        rand=rand,
        cap=cap,
        jitter=jitter,
    ).due


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
