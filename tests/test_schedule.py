"""The scheduling policy: adaptive interval, freshness floor, backoff, next_due (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from topicwire.schedule import (
    BACKOFF_CAP,
    DAY,
    DEFAULT_INTERVAL,
    HOUR,
    MAX_DELAY,
    MAX_FLOOR,
    Schedule,
    adaptive_interval,
    backoff,
    freshness_floor,
    jitter_for,
    next_due,
    schedule,
)

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
MINUTE = 60.0
MIN_I, MAX_I = 5 * MINUTE, DAY  # the [fetch] bounds most tests use


def ago(*seconds: float) -> tuple[datetime, ...]:
    return tuple(NOW - timedelta(seconds=s) for s in seconds)


def every(step: float, count: int, start: float = 0.0) -> tuple[datetime, ...]:
    return ago(*(start + step * (i + 1) for i in range(count)))


# -- adaptive_interval -------------------------------------------------------------------------

ADAPTIVE_CASES = [
    # (published, expected low, expected high)
    (every(HOUR, 20), 29 * MINUTE, 31 * MINUTE),  # hourly: poll twice an hour
    (every(HOUR, 10), 29 * MINUTE, 31 * MINUTE),  # a 10-entry feed document, same rate
    (tuple(reversed(every(HOUR, 20))), 29 * MINUTE, 31 * MINUTE),  # any order
    (every(HOUR, 20) * 3, 29 * MINUTE, 31 * MINUTE),  # duplicates count once
    (every(HOUR, 20) + ago(-DAY, -3 * DAY), 29 * MINUTE, 31 * MINUTE),  # future dates ignored
    (every(HOUR, 20) + ago(400 * DAY), 29 * MINUTE, 31 * MINUTE),  # a very old one changes nothing
    (every(6 * HOUR, 20), 3 * HOUR - 1, 3 * HOUR + 1),  # four a day: every 3 h
    # Bursty: 15 posts in a quarter hour yesterday, none since: about 24 h / 15 / 2.
    (every(MINUTE, 15, start=DAY), 48 * MINUTE, 50 * MINUTE),
    # Bursty then quiet, 20 posts deep: the burst does not pin the rate to minutes.
    (every(MINUTE, 10) + every(HOUR, 10, start=10 * MINUTE), 15 * MINUTE, 16 * MINUTE),
    # Went quiet: 10 hourly posts, the newest 5 days ago: the silence counts.
    (every(HOUR, 10, start=5 * DAY), 6 * HOUR, 7 * HOUR),
    # Dormant: one post in 30 days in a document reaching further back: the slowest allowed.
    (ago(2 * DAY, 40 * DAY, 50 * DAY), MAX_I, MAX_I),
    (ago(40 * DAY, 50 * DAY, 60 * DAY), MAX_I, MAX_I),
    ((), DEFAULT_INTERVAL, DEFAULT_INTERVAL),  # no history: an hour
    (ago(MINUTE, 2 * MINUTE), DEFAULT_INTERVAL, DEFAULT_INTERVAL),  # two posts: too few
    (ago(-HOUR, -2 * HOUR, -3 * HOUR), DEFAULT_INTERVAL, DEFAULT_INTERVAL),  # only future dates
    (every(10.0, 20), MIN_I, MIN_I),  # a post every 10 s: clamped up to min_interval
    (every(7 * DAY, 4), MAX_I, MAX_I),  # weekly: clamped down to max_interval
]
ADAPTIVE_IDS = [
    "steady-hourly",
    "hourly-short-document",
    "any-order",
    "duplicates",
    "future-dates",
    "very-old-entry",
    "four-a-day",
    "bursty-yesterday",
    "burst-then-hourly",
    "went-quiet",
    "dormant-one-recent",
    "dormant-none-recent",
    "empty-history",
    "too-few-posts",
    "only-future",
    "clamp-to-min",
    "clamp-to-max",
]


@pytest.mark.parametrize(("published", "low", "high"), ADAPTIVE_CASES, ids=ADAPTIVE_IDS)
def test_adaptive_interval(published: tuple[datetime, ...], low: float, high: float) -> None:
    assert low <= adaptive_interval(published, NOW, MIN_I, MAX_I) <= high


@pytest.mark.parametrize(
    ("min_interval", "max_interval", "expected"),
    [(2 * HOUR, DAY, 2 * HOUR), (MINUTE, 10 * MINUTE, 10 * MINUTE)],
    ids=["default-below-min", "default-above-max"],
)
def test_default_interval_is_clamped(min_interval: float, max_interval: float, expected: float) -> None:
    assert adaptive_interval((), NOW, min_interval, max_interval) == expected


# -- freshness_floor ---------------------------------------------------------------------------

DATE = "Fri, 01 Mar 2024 12:00:00 GMT"  # == NOW
FLOOR_CASES = [
    # (headers, ttl_minutes, expected)
    ({}, None, None),
    ({"Cache-Control": "public, max-age=600"}, None, 600.0),
    ({"cache-control": "MAX-AGE=600"}, None, 600.0),  # names and directives in any case
    ({"Cache-Control": 'max-age="600"'}, None, 600.0),  # quoted-string form
    ({"Cache-Control": "max-age=600, max-age=60"}, None, 600.0),  # the first one wins
    ({"Cache-Control": "max-age=600", "Age": "100"}, None, 500.0),  # aged in a CDN
    ({"Cache-Control": "max-age=600", "Age": "900"}, None, None),  # already stale
    ({"Cache-Control": "max-age=0"}, None, None),
    ({"Cache-Control": "max-age=soon"}, None, None),
    ({"Cache-Control": "no-cache, max-age=600"}, None, None),
    ({"Cache-Control": "no-store"}, None, None),
    ({"Cache-Control": "no-cache", "Expires": "Fri, 01 Mar 2024 13:00:00 GMT"}, None, None),
    ({"Cache-Control": "s-maxage=600"}, None, None),  # for shared caches only
    ({"Cache-Control": "s-maxage=6000, max-age=600"}, None, 600.0),
    ({"Cache-Control": "max-age=31536000"}, None, MAX_FLOOR),  # a year: capped to a day
    ({"Cache-Control": "max-age=600", "Expires": "Fri, 01 Mar 2024 14:00:00 GMT"}, None, 600.0),
    ({"Expires": "Fri, 01 Mar 2024 13:00:00 GMT"}, None, HOUR),  # no Date: from now
    ({"Expires": "Fri, 01 Mar 2024 13:00:00 GMT", "Date": "Fri, 01 Mar 2024 12:30:00 GMT"}, None, 1800.0),
    # The server's clock is two hours behind ours: Expires - Date still says one hour.
    ({"Expires": "Fri, 01 Mar 2024 11:00:00 GMT", "Date": "Fri, 01 Mar 2024 10:00:00 GMT"}, None, HOUR),
    ({"Expires": "Fri, 01 Mar 2024 13:00:00 GMT", "Date": "yesterday"}, None, HOUR),  # bad Date: now
    ({"Expires": "Thu, 29 Feb 2024 12:00:00 GMT"}, None, None),  # past
    ({"Expires": "0"}, None, None),
    ({"Expires": "-1"}, None, None),
    ({"Expires": "not a date"}, None, None),
    ({"Expires": "Sat, 01 Mar 2025 12:00:00 GMT", "Date": DATE}, None, MAX_FLOOR),
    ({}, 60, HOUR),  # RSS <ttl> in minutes
    ({}, 0, None),
    ({}, -5, None),
    ({}, 60 * 48, MAX_FLOOR),
    ({"Cache-Control": "max-age=600"}, 60, HOUR),  # the largest wins
    ({"Cache-Control": "max-age=7200"}, 60, 2 * HOUR),
    ({"Cache-Control": "no-store"}, 30, 1800.0),  # <ttl> is the feed's own word
]
FLOOR_IDS = [
    "none",
    "max-age",
    "max-age-any-case",
    "max-age-quoted",
    "max-age-repeated",
    "max-age-minus-age",
    "max-age-stale",
    "max-age-zero",
    "max-age-invalid",
    "no-cache",
    "no-store",
    "no-cache-beats-expires",
    "s-maxage-ignored",
    "s-maxage-with-max-age",
    "max-age-year-capped",
    "max-age-beats-expires",
    "expires-without-date",
    "expires-with-date",
    "expires-skewed-server-clock",
    "expires-invalid-date",
    "expires-past",
    "expires-zero",
    "expires-minus-one",
    "expires-invalid",
    "expires-capped",
    "ttl",
    "ttl-zero",
    "ttl-negative",
    "ttl-capped",
    "ttl-beats-max-age",
    "max-age-beats-ttl",
    "ttl-despite-no-store",
]


@pytest.mark.parametrize(("headers", "ttl", "expected"), FLOOR_CASES, ids=FLOOR_IDS)
def test_freshness_floor(headers: dict[str, str], ttl: int | None, expected: float | None) -> None:
    assert freshness_floor(headers, ttl, NOW) == expected


# -- backoff -----------------------------------------------------------------------------------

BACKOFF_CASES = [
    # (error_count, interval, rand, expected)
    (1, 600.0, 0.0, 300.0),  # equal jitter: [base/2, base)
    (1, 600.0, 0.5, 450.0),
    (2, 600.0, 0.0, 600.0),  # doubling
    (3, 600.0, 0.0, 1200.0),
    (4, 600.0, 0.0, 2400.0),
    (0, 600.0, 0.0, 300.0),  # no failure counts as the first
    (10, 600.0, 0.0, BACKOFF_CAP / 2),  # 600 * 512 is past the cap
    (10_000, 600.0, 0.0, BACKOFF_CAP / 2),  # no overflow
]
BACKOFF_IDS = ["first", "first-mid", "second", "third", "fourth", "zero", "capped", "huge-count"]


@pytest.mark.parametrize(("count", "interval", "rand", "expected"), BACKOFF_CASES, ids=BACKOFF_IDS)
def test_backoff(count: int, interval: float, rand: float, expected: float) -> None:
    assert backoff(count, interval, rand) == pytest.approx(expected)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 20], ids=lambda n: f"errors-{n}")
def test_backoff_jitter_bounds(count: int) -> None:
    base = min(600.0 * 2 ** (count - 1), BACKOFF_CAP)
    low, high = backoff(count, 600.0, 0.0), backoff(count, 600.0, 0.999)
    assert low == pytest.approx(base / 2)
    assert base / 2 < high < base <= BACKOFF_CAP


def test_backoff_custom_cap() -> None:
    assert backoff(6, 600.0, 0.999, cap=HOUR) < HOUR


@pytest.mark.parametrize("rand", [-0.1, 1.0, 2.0], ids=["negative", "one", "two"])
def test_backoff_rejects_rand_outside_unit_interval(rand: float) -> None:
    with pytest.raises(ValueError, match="rand"):
        backoff(1, 600.0, rand)


# -- next_due ----------------------------------------------------------------------------------

DUE_CASES = [
    # (kwargs, expected delay, reason)
    ({"interval": 900.0}, 900.0, "interval"),
    ({"interval": 900.0, "floor": 3600.0}, 3600.0, "floor"),
    ({"interval": 900.0, "floor": 60.0}, 900.0, "interval"),
    ({"interval": 900.0, "floor": None}, 900.0, "interval"),
    ({"interval": 600.0, "error_count": 1, "rand": 0.0}, 300.0, "backoff"),
    ({"interval": 600.0, "error_count": 3, "rand": 0.5}, 1800.0, "backoff"),
    ({"interval": 600.0, "error_count": 1, "retry_after": 7200.0}, 7200.0, "retry_after"),
    ({"interval": 600.0, "error_count": 1, "retry_after": 10.0}, 450.0, "backoff"),
    ({"interval": 600.0, "error_count": 30, "retry_after": 12 * HOUR}, 12 * HOUR, "retry_after"),
    ({"interval": 600.0, "error_count": 1, "floor": DAY, "rand": 0.0}, 300.0, "backoff"),
    ({"interval": 600.0, "retry_after": 7200.0}, 7200.0, "retry_after"),
    ({"interval": 600.0, "error_count": 1, "retry_after": 1e12}, MAX_DELAY, "retry_after"),
]
DUE_IDS = [
    "success-interval",
    "success-floor-wins",
    "success-floor-below-interval",
    "success-no-floor",
    "failure-first",
    "failure-third",
    "retry-after-dominates",
    "retry-after-shorter-than-backoff",
    "retry-after-beats-capped-backoff",
    "failure-ignores-floor",
    "retry-after-on-success",
    "retry-after-absurd",
]


@pytest.mark.parametrize(("kwargs", "delay", "reason"), DUE_CASES, ids=DUE_IDS)
def test_next_due(kwargs: dict[str, Any], delay: float, reason: str) -> None:
    decided = schedule(NOW, **kwargs)
    assert (decided.delay, decided.reason) == (pytest.approx(delay), reason)
    assert next_due(NOW, **kwargs) == decided.due == NOW + timedelta(seconds=decided.delay)


@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999], ids=["rand-0", "rand-half", "rand-0.999"])
@pytest.mark.parametrize("count", [1, 4, 50], ids=lambda n: f"errors-{n}")
def test_never_sooner_than_retry_after(rand: float, count: int) -> None:
    due = next_due(NOW, interval=60.0, error_count=count, retry_after=3 * BACKOFF_CAP, rand=rand)
    assert due == NOW + timedelta(seconds=3 * BACKOFF_CAP)


def test_jitter_only_ever_delays_a_success() -> None:
    # issue 19: jitter after every success, on whichever rule won; never on backoff or Retry-After
    assert jitter_for(600) == 60 and jitter_for(300) == 30 and jitter_for(86400) == 120
    assert schedule(NOW, interval=600.0, jitter=30.0) == Schedule(NOW + timedelta(seconds=630), 630.0, "interval")
    assert schedule(NOW, interval=600.0, floor=3600.0, jitter=30.0).delay == 3630.0
    assert schedule(NOW, interval=600.0, retry_after=7200.0, jitter=30.0).delay == 7200.0
    assert schedule(NOW, interval=600.0, error_count=1, rand=0.0, jitter=30.0).delay == 300.0
    assert schedule(NOW, interval=600.0, jitter=-5.0).delay == 600.0  # never sooner
