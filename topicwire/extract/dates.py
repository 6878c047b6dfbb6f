"""Dates as the pipeline wants them: timezone-aware UTC, or None.

Sources write dates as ISO 8601 (HTML meta, Atom, JSON-LD), RFC 822 (RSS
pubDate, HTTP headers) or a bare ``YYYY-MM-DD``; anything else is None rather
than a guess, because a wrong date reorders feeds silently.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from topicwire.clock import EPOCH

_MIN_YEAR = 1800  # digitized archives go back to the 1850s; earlier is a typo
_MAX_YEAR = 2200
# fromisoformat() in 3.11 wants "+03:00"; sites also write "+0300" and a lone "+03".
_SHORT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})?$")
_TIME_SEP = re.compile(r"^(\d{4}-\d{2}-\d{2})[ tT]")


def to_utc(dt: datetime) -> datetime:
    """``dt`` in UTC; a naive datetime is taken to be UTC already."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_date(s: str | None) -> datetime | None:
    """Aware UTC datetime from ISO 8601, RFC 822 or ``YYYY-MM-DD``; None if unparseable."""
    text = (s or "").strip()
    if not text:
        return None
    parsed = _parse_iso(text) or _parse_rfc822(text)
    if parsed is None or not _MIN_YEAR <= parsed.year <= _MAX_YEAR:
        return None
    try:
        utc = to_utc(parsed)
    except OverflowError:  # year 9999 plus an offset
        return None
    return None if utc == EPOCH else utc


def _parse_iso(text: str) -> datetime | None:
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


def _parse_rfc822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
