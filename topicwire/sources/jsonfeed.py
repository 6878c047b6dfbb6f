"""JSON Feed 1.0/1.1 documents -> ParsedSource, with the json module (feedparser 6 cannot).

    parse_json_feed(result, source)
    | json.loads -> a JSON Feed version, an items list   (https://jsonfeed.org/version/1.1)
    | item -> RawItem: absolute http(s) link, plain-text title, content_html through
    |         feedparser's sanitizer as for XML feeds, aware UTC datetimes

Pure: bytes in, values out, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from topicwire.datetimes import read_date
from topicwire.errors import ParseError
from topicwire.extract.bound import MAX_DOCUMENT_TAGS, count_tags
from topicwire.sources.entries import (
    MAX_ENTRIES,
    absolute_url,
    clean,
    entry_guid,
    newest_indices,
    sanitized,
    text_to_html,
)
from topicwire.types import FetchResult, ParsedSource, RawItem
from topicwire.values import bounded_date, plain_name, plain_text


def parse_json_feed(result: FetchResult, source: str) -> ParsedSource:
    """Parse a JSON Feed; ParseError when the body is not one."""
    doc = load_json_feed(result)
    language = clean(doc.get("language"))
    feed_author = json_author(doc)
    entries = [item for item in doc.get("items") or () if isinstance(item, dict)]
    kept = newest_indices([json_date(e) for e in entries], MAX_ENTRIES)
    cheap = count_tags(result.content) > MAX_DOCUMENT_TAGS
    items = tuple(json_item(entries[i], result.url, source, language, feed_author, cheap=cheap) for i in kept)
    title = doc.get("title")
    return ParsedSource(
        kind="feed",
        title=plain_text(title),
        items=items,
        language=language,
        unread=len(entries) - len(kept),
    )


def load_json_feed(result: FetchResult) -> dict[str, Any]:
    try:
        # json.loads detects UTF-8/16/32 itself (RFC 8259 section 8.1).
        doc = json.loads(result.content)
    except (ValueError, UnicodeDecodeError) as e:
        raise ParseError(result.url, f"not a feed: invalid JSON: {e}") from e
    except RecursionError as e:  # json recurses per level of nesting: 100,000 "[" once ended the run
        raise ParseError(result.url, "not a feed: JSON nested too deeply") from e
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or not isinstance(version, str):
        raise ParseError(result.url, "not a feed: JSON without a JSON Feed version")
    if "jsonfeed.org/version/1" not in version:
        raise ParseError(result.url, f"not a feed: unknown JSON Feed version {version!r}")
    if not isinstance(doc.get("items", []), list):
        raise ParseError(result.url, "not a feed: JSON Feed items is not a list")
    return doc


def json_item(
    item: Mapping[str, Any],
    base_url: str,
    source: str,
    feed_language: str | None,
    feed_author: str | None,
    *,
    cheap: bool = False,
) -> RawItem:
    return RawItem(
        source=source,
        url=absolute_url(base_url, item.get("url") or item.get("external_url")),
        guid=entry_guid(json_id(item.get("id"))),
        title=plain_text(str_field(item, "title")),
        summary=text_to_html(str_field(item, "summary")),
        content=json_content(item, base_url, cheap=cheap),
        published=iso_to_utc(item.get("date_published")),
        updated=iso_to_utc(item.get("date_modified")),
        author=json_author(item) or feed_author,  # the spec's fallback
        language=clean(item.get("language")) or feed_language,
    )


def json_id(value: object) -> str:
    """Ids are strings, but 1.0 feeds in the wild use numbers too (the spec tolerates it)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)


def str_field(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def json_content(item: Mapping[str, Any], base_url: str, *, cheap: bool = False) -> str:
    """content_html resolved and sanitized as feedparser does for XML feeds."""
    markup = str_field(item, "content_html")
    if markup:
        # feedparser's own sanitizer (private name, pinned feedparser<7) so
        # JSON Feed HTML is held to the same whitelist as RSS and Atom.
        return sanitized(markup, base_url, "text/html", cheap=cheap)
    return text_to_html(str_field(item, "content_text"))


def json_date(item: Mapping[str, Any]) -> datetime | None:
    return iso_to_utc(item.get("date_published")) or iso_to_utc(item.get("date_modified"))


MAX_AUTHORS = 20  # a list of a million authors is no byline


def json_author(item: Mapping[str, Any]) -> str | None:
    """1.1 has an ``authors`` list; 1.0 a single ``author`` object."""
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]
    names = [plain_name(a.get("name")) for a in authors[:MAX_AUTHORS] if isinstance(a, dict)]
    return plain_name(", ".join(n for n in names if n))


def iso_to_utc(value: object) -> datetime | None:
    """RFC 3339 as the spec says; RFC 822 as some publishers write anyway (datetimes.py).

    A date without an offset is taken as UTC; one out of bounds is counted as dropped."""
    return bounded_date(read_date(value))
