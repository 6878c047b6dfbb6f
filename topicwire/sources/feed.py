"""Feed documents -> RawItems: RSS 0.9x-2.0, Atom 0.3/1.0, RDF and CDF via
feedparser, JSON Feed 1.0/1.1 with the json module (feedparser 6 cannot).

    parse_feed(result, source)
    | JSON Feed? -> json.loads -> items           (jsonfeed.org/version/1.1)
    | plain RSS? -> fastfeed.parse_fast: lxml, same values  (None: not sure)
    | else       -> feedparser.parse(bytes, HTTP headers) -> entries
    | entry      -> RawItem: absolute http(s) link, plain-text title,
    |               sanitized HTML summary/content, aware UTC datetimes

Pure: bytes in, values out, no I/O. Nothing from feedparser leaves here.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

import feedparser
from feedparser.sanitizer import _sanitize_html
from feedparser.urls import resolve_relative_uris

from topicwire.errors import ParseError
from topicwire.extract.bound import MAX_DOCUMENT_TAGS, MAX_FIELD_TAGS, count_tags, markup_text
from topicwire.sources.fastvalues import is_plain_url
from topicwire.sources.sniff import is_json_feed
from topicwire.types import FetchResult, ParsedSource, RawItem
from topicwire.values import bounded_date, plain_name, plain_text, web_url, xml_safe

_TAG = re.compile(r"<[^>]*>")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
WEB_SCHEMES = frozenset({"http", "https"})
# Entries read from one document, the newest by date (feed order where undated): a
# 50,000-item feed took 2.5 s to make into items on the fast path (issue 13), and one
# poll takes at most fetch.max_new_items of them anyway. Older entries of a feed that
# long are not read at all.
MAX_ENTRIES = 2_000


def parse_feed(result: FetchResult, source: str) -> ParsedSource:
    """Parse a fetched feed; ParseError when the body is not a feed at all."""
    if is_json_feed(result.content_type, result.content):
        return parse_json_feed(result, source)
    # Imported here: fastfeed reuses this module's helpers (a cycle at import time).
    from topicwire.sources.fastfeed import parse_fast, trim_entries

    fast = parse_fast(result, source)  # plain RSS with lxml, ~15x cheaper (bench/README.md)
    if fast is not None:
        return fast
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


_UNICODE_PREFIXES = (
    codecs.BOM_UTF8,
    codecs.BOM_UTF32_LE,  # before UTF-16 LE: it starts with the same two bytes
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    b"<\0\0\0",  # "<" in UTF-32 LE, no BOM
    b"\0\0\0<",  # UTF-32 BE
    b"<\0?\0",  # "<?" in UTF-16 LE
    b"\0<\0?",  # UTF-16 BE
)


MAX_TTL_MINUTES = 7 * 24 * 60  # the floor is capped at a day anyway (schedule.py MAX_FLOOR)


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


def http_headers(result: FetchResult) -> dict[str, str]:
    """What feedparser needs to know of the HTTP exchange.

    The body goes in as a BytesIO because feedparser treats a bytes argument
    as a possible file name and opens it: a body of "/etc/passwd" would be
    read from our disk. Content-Location makes relative links resolve against
    the final URL after redirects. Without a Content-Type feedparser flags
    every document bozo ("no Content-type specified"); application/xml is the
    neutral choice that lets the XML declaration name the charset (RFC 7303).
    """
    media_type = result.content_type or "application/xml"
    charset = result.charset
    if (
        charset
        and charset.lower().replace("_", "-").startswith(("utf-16", "utf-32", "ucs"))
        and not result.content.startswith(_UNICODE_PREFIXES)
    ):
        # An ASCII "<?xml" cannot be UTF-16/32 (XML 1.0 appendix F): the label is wrong.
        charset = None
    if result.content.startswith(_UNICODE_PREFIXES):
        # The bytes say which Unicode encoding they are in: a BOM overrides the
        # header's charset (WHATWG encoding sniffing), and RFC 3023's us-ascii
        # default for text/xml cannot hold for UTF-16/32 (nginx serves every
        # .xml as text/xml; feedparser's encoding/utf-16le.xml fails without this).
        charset = None
        media_type = "application/xml" if media_type.startswith("text/") else media_type
    params = f"; charset={charset}" if charset else ""
    headers = {"content-type": media_type + params, "content-location": result.url}
    language = dict(result.headers).get("content-language")
    if language:
        headers["content-language"] = language
    return headers


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


def sanitized(markup: str, base_url: str, kind: str, *, cheap: bool = False) -> str:
    """feedparser's URI resolution and sanitizer, as for XML feeds; over the markup
    bounds (extract/bound.py), or with ``cheap`` set for the whole document, the text
    as HTML paragraphs instead."""
    if cheap or count_tags(markup) > MAX_FIELD_TAGS:
        return text_to_html(markup_text(markup))
    resolved = resolve_relative_uris(markup, base_url, "utf-8", kind)
    return str(_sanitize_html(resolved, "utf-8", kind))


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


def detail_text(node: Mapping[str, Any], key: str) -> str:
    """A title as plain text, whatever type feedparser gave it.

    feedparser decodes an RSS title's XML once and calls it text/plain, but RSS
    titles are HTML by convention (readers render them): ``&lt;script&gt;`` in
    the document is markup by the time it gets here, so every type goes through
    ``plain_text`` (issue 13).
    """
    return plain_text(node.get(key) or "")


MAX_GUID_CHARS = 2048  # an id longer than this is no id anyone meant


def entry_guid(value: object) -> str:
    """The entry's id as published: a string without XML-invalid characters, bounded."""
    return xml_safe(str(value or "")).strip()[:MAX_GUID_CHARS]


def detail_html(node: Mapping[str, Any], key: str) -> str:
    return as_html(node.get(key) or "", (node.get(f"{key}_detail") or {}).get("type"))


def as_html(value: str, kind: str | None) -> str:
    """HTML as feedparser sanitized it; plain text escaped so it is HTML too."""
    if not value:
        return ""
    return value if kind in HTML_TYPES or kind is None else html.escape(value, quote=False)


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


def struct_to_utc(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed (a UTC struct_time) -> aware datetime, None if impossible."""
    if value is None:
        return None
    try:
        # tm_sec may be 60 or 61 (leap seconds); datetime refuses both.
        return bounded_date(datetime(*value[:5], min(value[5], 59), tzinfo=UTC))
    except (ValueError, OverflowError, TypeError):
        return None  # year 0, month 13 ...: a date we cannot trust is no date


def clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Tags dropped, entities decoded. Input is already sanitized (no <script>)."""
    collector = _TextCollector()
    try:
        collector.feed(fragment)
        collector.close()
    except AssertionError:  # CPython's HTMLParser asserts on "<![foo[ ...]]>"
        return html.unescape(_TAG.sub("", fragment))
    return "".join(collector.parts)


# -- JSON Feed (https://jsonfeed.org/version/1.1) ---------------------------


def parse_json_feed(result: FetchResult, source: str) -> ParsedSource:
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


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs (blank lines separate them)."""
    paragraphs = (p.strip() for p in text.replace("\r\n", "\n").split("\n\n"))
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


MAX_AUTHORS = 20  # a list of a million authors is no byline


def json_author(item: Mapping[str, Any]) -> str | None:
    """1.1 has an ``authors`` list; 1.0 a single ``author`` object."""
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]
    names = [plain_name(a.get("name")) for a in authors[:MAX_AUTHORS] if isinstance(a, dict)]
    return plain_name(", ".join(n for n in names if n))


def iso_to_utc(value: object) -> datetime | None:
    """RFC 3339 as the spec says; RFC 822 as some publishers write anyway."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # a date without an offset: assume UTC
    return bounded_date(parsed)
