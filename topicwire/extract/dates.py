"""Dates found on article pages (HTML meta, JSON-LD): datetimes.py's parse, less placeholders.

Sources write dates as ISO 8601 (HTML meta, Atom, JSON-LD), RFC 822 (RSS
pubDate, HTTP headers) or a bare ``YYYY-MM-DD``; topicwire/datetimes.py reads them
all (issue 15 point 4). What is left here is the page's own rule: the Unix epoch
is a CMS's empty date field, not a publication date.
"""

from __future__ import annotations

from datetime import datetime

from topicwire import datetimes
from topicwire.clock import EPOCH


def parse_date(s: str | None) -> datetime | None:
    """Aware UTC datetime from ISO 8601, RFC 822 or ``YYYY-MM-DD``; None if unparseable."""
    utc = datetimes.parse_date(s)
    return None if utc == EPOCH else utc
