"""RSS 0.9x-2.0, Atom 0.3/1.0, RDF and CDF documents -> ParsedSource, via feedparser.

    parse_xml_feed(result, source)
    | over MAX_DOCUMENT_TAGS?  -> trim_entries: the newest entries that fit (lxml)
    | feedparser.parse(bytes, HTTP headers) -> entries
    | entry -> RawItem: absolute http(s) link, plain-text title, sanitized HTML
    |          summary/content, aware UTC datetimes

Pure: bytes in, values out, no I/O. Nothing from feedparser leaves here.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import feedparser
from lxml import etree

from topicwire.errors import ParseError
from topicwire.extract.bound import MAX_DOCUMENT_TAGS, count_tags
from topicwire.sources import feedparser_private as fp
from topicwire.sources.entries import (
    MAX_ENTRIES,
    absolute_url,
    as_html,
    clean,
    detail_text,
    entry_guid,
    newest_first,
    newest_indices,
    struct_to_utc,
    ttl_minutes,
)
from topicwire.sources.xmlbytes import RECOVER, http_headers, strict_tree
from topicwire.types import FetchResult, ParsedSource, RawItem
from topicwire.values import plain_name


def parse_xml_feed(result: FetchResult, source: str) -> ParsedSource:
    """Parse an XML feed with feedparser; ParseError when the body is not a feed at all."""
    unread = 0
    if count_tags(result.content) > MAX_DOCUMENT_TAGS:
        # feedparser walks every tag in Python (30-60 us each): keep the entries that fit.
        result, unread = trim_entries(result)
    try:
        parsed = feedparser.parse(io.BytesIO(result.content), response_headers=http_headers(result))
    except Exception as e:  # noqa: BLE001 - feedparser's own bugs on hostile input (test_fuzz.py)
        # feedparser promises bozo instead of exceptions, but fuzzing finds TypeError and
        # UnicodeDecodeError escaping from its namespace and encoding code: name them.
        raise ParseError(result.url, f"not a feed: feedparser failed with {type(e).__name__}: {e}") from e
    check_is_feed(parsed, result)
    feed = parsed.get("feed", {})
    feed_language = clean(feed.get("language"))
    items = tuple(entry_item(entry, result.url, source, feed_language) for entry in parsed.entries)
    kept = newest_indices([i.published or i.updated for i in items], MAX_ENTRIES)
    return ParsedSource(
        kind="feed",
        title=detail_text(feed, "title"),
        items=tuple(items[i] for i in kept),
        language=feed_language,
        ttl_minutes=ttl_minutes(feed.get("ttl")),
        unread=unread + len(items) - len(kept),
    )


def check_is_feed(parsed: Mapping[str, Any], result: FetchResult) -> None:
    """Accept what the loose parser salvaged; refuse a document with no feed in it."""
    if parsed.get("version") or parsed.get("entries"):
        return
    error = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if error is None and parsed.get("feed"):
        return  # well-formed, feed-level data only (CDF, an empty channel)
    if not result.content.strip():
        reason = "empty document"
    elif error is not None:
        reason = str(error) or type(error).__name__
    else:
        reason = "no RSS, Atom or RDF elements found"
    raise ParseError(result.url, f"not a feed: {reason}") from error


def entry_item(entry: dict[str, Any], base_url: str, source: str, feed_language: str | None) -> RawItem:
    content = longest_content(entry.get("content") or ())
    return RawItem(
        source=source,
        url=absolute_url(base_url, entry.get("link")),
        guid=entry_guid(entry.get("id")),
        title=detail_text(entry, "title"),
        summary=detail_html(entry, "summary"),
        content=as_html(content.get("value", ""), content.get("type")),
        # dict.get, not FeedParserDict.get: the latter answers a missing
        # updated_parsed with published_parsed and a DeprecationWarning.
        published=struct_to_utc(dict.get(entry, "published_parsed")),
        updated=struct_to_utc(dict.get(entry, "updated_parsed")),
        author=plain_name(entry.get("author")),
        language=entry_language(entry, content) or feed_language,
    )


def longest_content(contents: Iterable[Mapping[str, Any]]) -> Mapping[str, Any]:
    """Feeds may carry several renditions (Atom content, content:encoded...)."""
    return max(contents, key=lambda c: len(c.get("value") or ""), default={})


def entry_language(entry: Mapping[str, Any], content: Mapping[str, Any]) -> str | None:
    details = (content, entry.get("summary_detail") or {}, entry.get("title_detail") or {})
    return next((clean(d.get("language")) for d in details if clean(d.get("language"))), None)


def detail_html(node: Mapping[str, Any], key: str) -> str:
    return as_html(node.get(key) or "", (node.get(f"{key}_detail") or {}).get("type"))


# -- the markup budget: entries that do not fit are not read ---------------------------------

_ENTRY_TAGS = (  # RSS 2.0, RSS 1.0, Atom 1.0, Atom 0.3, RSS 0.90
    "item",
    "{http://purl.org/rss/1.0/}item",
    "{http://www.w3.org/2005/Atom}entry",
    "{http://purl.org/atom/ns#}entry",
    "{http://my.netscape.com/rdf/simple/0.9/}item",
)
_ENTRY_DATES = (  # Atom 1.0, Atom 0.3, RSS 1.0 (dc:date), RSS
    "{http://www.w3.org/2005/Atom}updated",
    "{http://www.w3.org/2005/Atom}published",
    "{http://purl.org/atom/ns#}modified",
    "{http://purl.org/atom/ns#}issued",
    "{http://purl.org/dc/elements/1.1/}date",
    "pubDate",
)


def trim_entries(result: FetchResult) -> tuple[FetchResult, int]:
    """A document with more markup than feedparser may walk (MAX_DOCUMENT_TAGS), without
    the entries that do not fit, and how many those were; ParseError when it is not
    well-formed (feedparser's lenient parser would walk it all) or is over without them."""
    info: dict[str, object] = {}
    try:
        data = fp.convert_to_utf8(http_headers(result), result.content, info)
    except (UnicodeError, LookupError, ValueError) as e:
        raise ParseError(result.url, f"not a feed: {count_tags(result.content)} tags and no known encoding") from e
    root = strict_tree(data, result.url)
    if root is None:
        # feedparser's lenient parser would walk all of it: libxml2's recovery reads what
        # it can in C, and feedparser gets that, well-formed.
        root = etree.fromstring(data, RECOVER)
        if root is None:
            raise ParseError(result.url, f"not a feed: {count_tags(data)} tags and no XML to recover") from None
    sizes = [(e, count_tags(etree.tostring(e, with_tail=False))) for e in root.iter(*_ENTRY_TAGS)]
    # Counted on the tree: recovery may have left part of the bytes out.
    room = MAX_DOCUMENT_TAGS - (count_tags(etree.tostring(root)) - sum(size for _, size in sizes))
    if room < 0:
        raise ParseError(result.url, f"not a feed: over {MAX_DOCUMENT_TAGS} tags outside its entries")
    dropped = 0
    # Newest first by date, as newest_indices ranks them (undated ones by feed order): Atom
    # sets no order, and a full-text feed listed oldest first lost its newest entries for
    # ever when the budget was filled in document order.
    dates = [_entry_date(entry) for entry, _ in sizes]
    for i in newest_first(dates):
        entry, size = sizes[i]
        parent = entry.getparent()
        if size <= room or parent is None:
            room -= size
        else:  # an entry that does not fit is dropped; a smaller, older one may still fit
            parent.remove(entry)
            dropped += 1
    content = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return replace(result, content=content, charset="utf-8"), dropped


def _entry_date(entry: etree._Element) -> datetime | None:
    """An entry's date as feedparser would read it, to rank it among the newest."""
    for tag in _ENTRY_DATES:
        text = entry.findtext(tag)
        if text and text.strip():
            parsed = fp.parse_date_struct(text.strip())
            if parsed is not None:
                return struct_to_utc(parsed)
    return None
