"""Dates from the network as timezone-aware UTC, or None: the one place they are parsed.

    read_date(text)     ISO 8601 / RFC 3339 (Atom, JSON Feed, HTML meta, JSON-LD), else
                        RFC 822 (RSS pubDate, HTTP headers, some JSON Feeds); as written
    read_struct(value)  feedparser's *_parsed struct_time (UTC); as written
    bounded(datetime)   aware UTC when its year is within [MIN_YEAR, MAX_YEAR], else None
    parse_date, http_date, rfc822_fast: read + bounded in one call

Sources write anything; a date that cannot be read is None rather than a guess,
because a wrong date reorders feeds silently. One pair of year bounds serves every
caller (issue 15 point 4: feeds, pages and HTTP headers had three parsers and two
pairs). values.bounded_date adds the count of dropped dates for the poll's log line.
Pure: no I/O, base layer (imports nothing from topicwire).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# Dates outside these years are typos or placeholders ("0001-01-01", "9999-12-31"), and
# datetime arithmetic on them (a dedup window, a retention cut) overflows. Digitized
# archives go back to the 1850s; earlier is a typo.
MIN_YEAR = 1800
MAX_YEAR = 2200

# fromisoformat() in 3.11 wants "+03:00"; sites also write "+0300" and a lone "+03".
_SHORT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})?$")
_TIME_SEP = re.compile(r"^(\d{4}-\d{2}-\d{2})[ tT]")

# RFC 822 as RSS 2.0 writes it: "Sat, 01 Mar 2025 09:30:00 +0000" (or GMT/UT/UTC/Z).
# feedparser's W3DTF handler (tried first) declines this form and its RFC 822
# handler reads it as below: the weekday is ignored, the offset subtracted.
_RFC822 = re.compile(
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun), )?([0-9]{1,2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) "
    r"([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) (?:([+-])([0-9]{2})([0-9]{2})|gmt|ut|utc|z)",
    re.ASCII,
)
_MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def to_utc(dt: datetime) -> datetime:
    """``dt`` in UTC; a naive datetime is taken to be UTC already."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def bounded(value: datetime | None) -> datetime | None:
    """``value`` as aware UTC when its UTC year is within [MIN_YEAR, MAX_YEAR]; else None."""
    if value is None:
        return None
    try:
        utc = to_utc(value)
    except (OverflowError, ValueError):  # year 9999 plus an offset, year 1 minus one
        return None
    return utc if MIN_YEAR <= utc.year <= MAX_YEAR else None


def read_date(value: object) -> datetime | None:
    """ISO 8601 as specs say, else RFC 822 as publishers write anyway; as written (maybe
    naive, maybe any year); None when it is neither."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return _read_iso(text) or read_rfc822(text)


def _read_iso(text: str) -> datetime | None:
    text = _TIME_SEP.sub(r"\1T", text)
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    elif "T" in text:
        text = _SHORT_OFFSET.sub(_colon_offset, text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _colon_offset(match: re.Match[str]) -> str:
    return f"{match.group(1)}:{match.group(2) or '00'}"


def read_rfc822(text: str) -> datetime | None:
    """RFC 822 / RFC 5322 / HTTP-date (RFC 9110 5.6.7), as written; None otherwise."""
    try:
        return parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def read_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed (a UTC struct_time) -> aware datetime, None if impossible."""
    if value is None:
        return None
    try:
        # tm_sec may be 60 or 61 (leap seconds); datetime refuses both.
        return datetime(*value[:5], min(value[5], 59), tzinfo=UTC)
    except (ValueError, OverflowError, TypeError):
        return None  # year 0, month 13 ...: a date we cannot trust is no date


def parse_date(value: object) -> datetime | None:
    """ISO 8601 or RFC 822 text as bounded aware UTC; None if unreadable or out of bounds."""
    return bounded(read_date(value))


def http_date(value: str) -> datetime | None:
    """An HTTP-date header (Date, Expires, Last-Modified) as bounded aware UTC.

    "-0000" parses naive; HTTP-dates are GMT anyway (to_utc takes naive as UTC)."""
    return bounded(read_rfc822(value))


def rfc822_fast(text: str) -> datetime | None:
    """bounded(read_struct(feedparser's _parse_date(text))) for the common RFC 822 form; None otherwise.

    A shortcut for fastfeed: bench/fetch.py measured feedparser's date handlers at a good
    part of its time on plain RSS; tests/test_fastfeed.py sweeps it against the general code.
    """
    match = _RFC822.fullmatch(text.lower())
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
    try:
        stamp = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC)
        offset = timedelta(hours=int(tz_hours), minutes=int(tz_minutes)) if sign else timedelta(0)
        # Bounded like the general code, so the shortcut still gives what the general code gives.
        return bounded(stamp + offset if sign == "-" else stamp - offset)
    except (ValueError, OverflowError):
        return None  # hour 24, 30 February, year 1 minus an offset: the general code decides
