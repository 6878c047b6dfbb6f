"""Shortcuts for the two values every feed entry has: its link and its date.

Each shortcut answers only inputs in a narrow, common form, where it can be
shown to give exactly what the general code gives; anything else goes to the
general code. bench/fetch.py measured urljoin and feedparser's date handlers at
about a quarter of fastfeed's time on plain RSS; tests/test_fastfeed.py sweeps
both shortcuts against the general code.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from feedparser.urls import _urljoin

from topicwire.values import bounded_date

# An absolute http(s) URL that urllib.parse.urljoin returns unchanged, whatever
# the base: lower-case scheme, a plain host[:port] (no userinfo, brackets or
# non-ASCII, which urlsplit checks or rewrites), a path without ";" (urlparse
# splits params off the last segment and drops an empty one), and no empty "?"
# or "#" (urlunsplit drops those). With the netloc present, urljoin returns
# urlunparse(urlparse(url)) without resolving dot segments: the same string.
# Callers also require printable ASCII (no control characters, which urlsplit strips).
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[^\s?#;]*)?(?:\?[^\s#]+)?(?:#\S+)?", re.ASCII)

# RFC 822 as RSS 2.0 writes it: "Sat, 01 Mar 2025 09:30:00 +0000" (or GMT/UT/UTC/Z).
# feedparser's W3DTF handler (tried first) declines this form and its RFC 822
# handler reads it as below: the weekday is ignored, the offset subtracted.
_RFC822 = re.compile(
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun), )?([0-9]{1,2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) "
    r"([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) (?:([+-])([0-9]{2})([0-9]{2})|gmt|ut|utc|z)",
    re.ASCII,
)
_MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def is_plain_url(url: str) -> bool:
    """True when urljoin(any http(s) base, url) == url (see _PLAIN_URL)."""
    return url.isascii() and url.isprintable() and _PLAIN_URL.fullmatch(url) is not None


def join_url(base: str, uri: str) -> str:
    """feedparser.urls._urljoin(base, uri), without the work when uri is already plain and absolute."""
    return uri if is_plain_url(uri) else str(_urljoin(base, uri))


def rfc822_date(text: str) -> datetime | None:
    """feed.struct_to_utc(feedparser's _parse_date(text)) for the common RFC 822 form; None otherwise."""
    match = _RFC822.fullmatch(text.lower())
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
    try:
        stamp = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC)
        offset = timedelta(hours=int(tz_hours), minutes=int(tz_minutes)) if sign else timedelta(0)
        # Bounded like feed.struct_to_utc, so the shortcut still gives what the general code gives.
        return bounded_date(stamp + offset if sign == "-" else stamp - offset, note=False)
    except (ValueError, OverflowError):
        return None  # hour 24, 30 February, year 1 minus an offset: the general code decides
