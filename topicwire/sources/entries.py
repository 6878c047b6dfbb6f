"""A feed entry's values, made the same way whatever the format: what every feed parser
(xmlfeed, fastfeed, jsonfeed) shares.

    absolute_url    the entry's link as an absolute http(s) URL (join_url: the shortcut)
    entry_guid      its id, bounded
    detail_text     a title as plain text
    as_html         a summary/content as HTML; sanitized: feedparser's sanitizer
    struct_to_utc   feedparser's date as aware UTC (datetimes.py; out of bounds: counted)
    newest_indices  which entries of a long feed are read (MAX_ENTRIES)
    clean, ttl_minutes, text_to_html

The link shortcuts (is_plain_url, join_url) answer only inputs in a narrow, common form,
where they can be shown to give exactly what the general code gives; bench/fetch.py
measured urljoin at a good part of fastfeed's time on plain RSS, and
tests/test_fastfeed.py sweeps them against the general code. Pure: no I/O.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from topicwire.datetimes import read_struct
from topicwire.extract.bound import MAX_FIELD_TAGS, count_tags, markup_text
from topicwire.sources import feedparser_private as fp
from topicwire.sources.sniff import HTML_TYPES
from topicwire.values import bounded_date, plain_text, web_url, xml_safe

# Entries read from one document, the newest by date (feed order where undated): a
# 50,000-item feed took 2.5 s to make into items on the fast path (issue 13), and one
# poll takes at most fetch.max_new_items of them anyway. Older entries of a feed that
# long are not read at all.
MAX_ENTRIES = 2_000
MAX_TTL_MINUTES = 7 * 24 * 60  # the floor is capped at a day anyway (schedule.py MAX_FLOOR)
MAX_GUID_CHARS = 2048  # an id longer than this is no id anyone meant

# An absolute http(s) URL that urllib.parse.urljoin returns unchanged, whatever
# the base: lower-case scheme, a plain host[:port] (no userinfo, brackets or
# non-ASCII, which urlsplit checks or rewrites), a path without ";" (urlparse
# splits params off the last segment and drops an empty one), and no empty "?"
# or "#" (urlunsplit drops those). With the netloc present, urljoin returns
# urlunparse(urlparse(url)) without resolving dot segments: the same string.
# Callers also require printable ASCII (no control characters, which urlsplit strips).
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[^\s?#;]*)?(?:\?[^\s#]+)?(?:#\S+)?", re.ASCII)


def is_plain_url(url: str) -> bool:
    """True when urljoin(any http(s) base, url) == url (see _PLAIN_URL)."""
    return url.isascii() and url.isprintable() and _PLAIN_URL.fullmatch(url) is not None


def join_url(base: str, uri: str) -> str:
    """feedparser's _urljoin(base, uri), without the work when uri is already plain and absolute."""
    return uri if is_plain_url(uri) else str(fp.urljoin(base, uri))


def absolute_url(base_url: str, link: object) -> str:
    """The entry's link made absolute; "" unless it is a web (http/https) URL.

    Controls and spaces in it are stripped or percent-encoded (``web_url``):
    a JSON Feed url with a \x01 in it once failed rendering (issue 13).
    """
    if not isinstance(link, str) or not link.strip():
        return ""
    if is_plain_url(link.strip()):
        return web_url(link.strip())  # nothing to resolve against the base; the port is still checked
    return web_url(link, base_url)


def entry_guid(value: object) -> str:
    """The entry's id as published: a string without XML-invalid characters, bounded."""
    return xml_safe(str(value or "")).strip()[:MAX_GUID_CHARS]


def detail_text(node: Mapping[str, object], key: str) -> str:
    """A title as plain text, whatever type feedparser gave it.

    feedparser decodes an RSS title's XML once and calls it text/plain, but RSS
    titles are HTML by convention (readers render them): ``&lt;script&gt;`` in
    the document is markup by the time it gets here, so every type goes through
    ``plain_text`` (issue 13).
    """
    return plain_text(node.get(key) or "")


def as_html(value: str, kind: str | None) -> str:
    """HTML as feedparser sanitized it; plain text escaped so it is HTML too."""
    if not value:
        return ""
    return value if kind in HTML_TYPES or kind is None else html.escape(value, quote=False)


def sanitized(markup: str, base_url: str, kind: str, *, cheap: bool = False) -> str:
    """feedparser's URI resolution and sanitizer, as for XML feeds; over the markup
    bounds (extract/bound.py), or with ``cheap`` set for the whole document, the text
    as HTML paragraphs instead."""
    if cheap or count_tags(markup) > MAX_FIELD_TAGS:
        return text_to_html(markup_text(markup))
    resolved = fp.resolve_relative_uris(markup, base_url, "utf-8", kind)
    return str(fp.sanitize_html(resolved, "utf-8", kind))


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs (blank lines separate them)."""
    paragraphs = (p.strip() for p in text.replace("\r\n", "\n").split("\n\n"))
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


def clean(value: object) -> str | None:
    """A language code or the like: stripped, None when empty or not a string."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def ttl_minutes(value: object) -> int | None:
    """RSS 2.0 <ttl>: whole minutes; junk (and a negative or zero value) means none.

    At most MAX_TTL_MINUTES: a <ttl> of 400 digits once overflowed float in the
    scheduler (issue 13). Python refuses over 4300 digits itself (ValueError).
    """
    try:
        minutes = int(str(value).strip())
    except ValueError:
        return None
    return min(minutes, MAX_TTL_MINUTES) if minutes > 0 else None


def struct_to_utc(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed as aware UTC (datetimes.py), a date out of bounds counted as dropped."""
    return bounded_date(read_struct(value))


def newest_indices(dates: Sequence[datetime | None], limit: int) -> list[int]:
    """Indices of the ``limit`` newest entries, in feed order, given each one's date.

    An undated entry counts as new as the dated one listed before it, and one listed
    before any dated entry as the newest: feeds list newest first, so where dates are
    missing, feed order decides.
    """
    if len(dates) <= limit:
        return list(range(len(dates)))
    return sorted(newest_first(dates)[:limit])


def newest_first(dates: Sequence[datetime | None]) -> list[int]:
    """Every index, newest entry first, ranked as ``newest_indices`` ranks them."""
    latest = datetime.max.replace(tzinfo=UTC)
    ranks = []
    for i, date in enumerate(dates):
        latest = date or latest
        ranks.append((latest, -i))
    return sorted(range(len(dates)), key=ranks.__getitem__, reverse=True)
