"""A fast path for plain, well-formed RSS 2.0 (and 0.91/0.92): lxml instead of feedparser.

    parse_fast(result, source)
    | feedparser's own encoding detection -> UTF-8 bytes  (None: it would use the loose parser)
    | lxml, no DTD, no entities, no network               (None: syntax error, DOCTYPE, ...)
    | every element checked against a small allowlist     (None: anything feedparser handles
    |                                                       that we do not mirror exactly)
    | fields transformed exactly as feedparser's strict parser does (mixin.pop)

bench/fetch.py found feedparser at ~4.5 ms per 20-item feed, half the CPU of a
first poll; lxml parses the same feed in ~0.3 ms. Every value must equal what
the feedparser path (xmlfeed.py) returns: tests/test_fastfeed.py sweeps the
corpus and generated feeds comparing both. When in doubt, return None and let
feedparser do it. Atom, RDF, xml:base, xml:lang below the root, images,
<source>, <author> (feedparser's e-mail splitting) all go the slow way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from lxml import etree

from topicwire.datetimes import rfc822_fast
from topicwire.extract.bound import MAX_DOCUMENT_TAGS, count_tags
from topicwire.sources import entries
from topicwire.sources import feedparser_private as fp
from topicwire.sources.sniff import HTML_TYPES
from topicwire.sources.xmlbytes import http_headers, strict_tree
from topicwire.types import FetchResult, ParsedSource, RawItem
from topicwire.values import plain_name

_NAMESPACES = {uri.lower(): prefix for uri, prefix in fp.NAMESPACES.items()}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENTITY_LIKE = re.compile("&([A-Za-z0-9_]+);")
_HAS_XML_BASE = etree.XPath("boolean(//@xml:base)")
_NODES = etree.XPath("count(descendant::node())")
# An item holds a dozen nodes, a few dozen with media extensions. One with more goes to
# feedparser's path, whose markup budget drops it: walking 2.4 million unknown elements
# of one item here took 27 s (issue 13).
_MAX_ITEM_NODES = 1_000

# feedparser name -> attributes it may carry on the fast path. Names are
# feedparser's ("prefix:local", lower case). Elements feedparser has no handler
# for are stored under their own name and touch none of our fields: allowed.
_CHANNEL = {
    "title": (),
    "link": ("href", "rel", "type", "title"),  # atom:link rel="self" too; unused here
    "description": (),
    "language": (),
    "ttl": (),
    "lastbuilddate": (),
    "pubdate": (),
    "generator": (),
    "docs": (),
    "copyright": (),
    "category": ("domain",),
    "item": (),
}
_ITEM = {
    "title": (),
    "link": (),
    "guid": ("ispermalink",),
    "description": (),
    "content:encoded": (),
    "pubdate": (),
    "dc:creator": (),
    "dc:date": (),
    "category": ("domain",),
    "comments": (),
    "enclosure": ("url", "length", "type"),
}
# Fields read more than once in a row: feedparser's overwrite/depth rules, not mirrored.
_UNIQUE = frozenset({"title", "link", "guid", "description", "content:encoded", "pubdate"})
_UNIQUE |= {"dc:creator", "dc:date", "language", "ttl"}
_UNIQUE_IN_CHANNEL = frozenset({"title", "language", "ttl"})


class _Fallback(Exception):
    """Raised anywhere below: the document goes to feedparser."""


def parse_fast(result: FetchResult, source: str) -> ParsedSource | None:
    """The feed as feedparser's path would give it, or None to let feedparser parse it."""
    try:
        return _parse(result, source)
    except _Fallback:
        return None


def _parse(result: FetchResult, source: str) -> ParsedSource:
    headers = http_headers(result)
    info: dict[str, object] = {}
    try:
        data = fp.convert_to_utf8(dict(headers), result.content, info)
    except (UnicodeError, LookupError, ValueError) as e:
        raise _Fallback from e  # feedparser's own detection failed: its path reports it
    if not info.get("encoding") or _DECLARATIONS.search(data):
        raise _Fallback  # feedparser would use its loose parser, or rewrite the DOCTYPE
    root = strict_tree(data, result.url)
    if root is None:
        raise _Fallback  # lxml refuses it: feedparser's loose parser may salvage it
    base = fp.make_safe_absolute_uri(result.url) or ""
    if root.tag != "rss" or not base:
        raise _Fallback
    if _HAS_XML_BASE(root):
        raise _Fallback  # xml:base: feedparser's resolution rules, not mirrored
    cheap = count_tags(result.content) > MAX_DOCUMENT_TAGS
    return _rss(root, _Context(base, _root_lang(root, headers), cheap), source)


@dataclass(frozen=True)
class _Context:
    base: str  # feedparser's baseuri: Content-Location, i.e. our final URL
    lang: str | None  # feedparser's self.lang in content details (root xml:lang or header)
    cheap: bool = False  # too much markup in the document to sanitize it (entries.sanitized)


def _root_lang(root: etree._Element, headers: dict[str, str]) -> str | None:
    lang = root.get(_XML_LANG, root.get("lang"))
    if lang == "":
        return None
    lang = lang if lang is not None else headers.get("content-language")
    return lang.replace("_", "-") if lang else lang  # push_content does this


def _rss(root: etree._Element, ctx: _Context, source: str) -> ParsedSource:
    _check(root, ("version", _XML_LANG, "lang"))
    channels = [child for child in root if isinstance(child.tag, str)]
    if len(channels) != 1 or channels[0].tag != "channel" or channels[0].attrib:
        raise _Fallback
    root_lang = root.get(_XML_LANG, root.get("lang"))
    language = root_lang.replace("_", "-") if root_lang else None
    title, ttl, items = ("", "text/plain"), None, []
    for name, element in _children(channels[0], _CHANNEL, _UNIQUE_IN_CHANNEL):
        if name == "item":
            items.append(element)
        elif name == "title":
            title = _content(element, ctx, "text/plain")
        elif name == "language":
            language = _pop(element)
        elif name == "ttl":
            ttl = _pop(element)
    if not items:
        raise _Fallback  # feedparser's check_is_feed decides about empty feeds
    if len(items) > entries.MAX_ENTRIES:
        kept = entries.newest_indices([_item_date(i) for i in items], entries.MAX_ENTRIES)
    else:
        kept = list(range(len(items)))
    # Under MAX_DOCUMENT_TAGS the whole walk is cheap; only a bigger document is checked.
    if ctx.cheap and any(_NODES(items[i]) > _MAX_ITEM_NODES for i in kept):
        raise _Fallback
    feed_language = entries.clean(language)
    return ParsedSource(
        kind="feed",
        title=_plain_title(*title),
        items=tuple(_rss_item(items[i], ctx, source, feed_language) for i in kept),
        language=feed_language,
        ttl_minutes=entries.ttl_minutes(ttl),
        unread=len(items) - len(kept),
    )


def _rss_item(item: etree._Element, ctx: _Context, source: str, feed_language: str | None) -> RawItem:
    if item.attrib:
        raise _Fallback  # rdf:about, CDF's lastmod/href set fields
    link: str | None = None
    guid = ""
    fields: dict[str, tuple[str, str]] = {}
    dates: dict[str, datetime | None] = {}
    author = None
    for name, element in _children(item, _ITEM):
        if name == "link":
            link = _pop(element, ctx.base)
            if "&" in link:
                link = _ENTITY_LIKE.sub(r"&\g<1>", link.replace("&amp;", "&"))
        elif name == "guid":
            permalink = _attribute(element, "ispermalink", "true") == "true"
            guid = _pop(element, ctx.base if permalink else None)
            if permalink and link is None:
                link = guid  # _end_guid: _save("link", ...) is a setdefault
        elif name in ("title", "description", "content:encoded"):
            kind = "text/plain" if name == "title" else "text/html"
            fields[name] = _content(element, ctx, kind)
        elif name in ("pubdate", "dc:date"):
            text = _pop(element)
            dates[name] = rfc822_fast(text) or entries.struct_to_utc(fp.parse_date_struct(text))
        elif name == "dc:creator":
            author = _author(_pop(element))
    content = fields.get("content:encoded", ("", "text/plain"))
    # _end_content copies content into a missing summary (description first wins).
    summary = fields.get("description", content if "content:encoded" in fields else ("", "text/plain"))
    return RawItem(
        source=source,
        url=entries.absolute_url(ctx.base, link),
        guid=entries.entry_guid(guid),
        title=_plain_title(*fields.get("title", ("", "text/plain"))),
        summary=entries.as_html(*summary),
        content=entries.as_html(*content),
        published=dates.get("pubdate"),
        updated=dates.get("dc:date"),
        author=plain_name(author),
        language=(entries.clean(ctx.lang) if fields else None) or feed_language,
    )


def _item_date(item: etree._Element) -> datetime | None:
    """The date that ranks an item among the newest: its RFC 822 pubDate (cheap; the
    few other forms count as undated here)."""
    text = item.findtext("pubDate")
    return rfc822_fast(text.strip()) if text else None


def _plain_title(value: str, kind: str) -> str:
    return entries.detail_text({"title": value, "title_detail": {"type": kind}}, "title")


def _author(value: str) -> str:
    """dc:creator without an e-mail address is kept as is (_sync_author_detail)."""
    if "@" in value:
        raise _Fallback  # feedparser splits "name (mail)" apart: not mirrored
    return value


# -- the checks ---------------------------------------------------------------------


def _children(
    parent: etree._Element, allowed: dict[str, tuple[str, ...]], unique: frozenset[str] = _UNIQUE
) -> list[tuple[str, etree._Element]]:
    """(feedparser name, element) of each child; _Fallback for anything not mirrored."""
    seen: set[str] = set()
    out = []
    for child in parent:
        if not isinstance(child.tag, str):
            continue  # comments and PIs between elements: feedparser skips them too
        name = _name(child)
        if name in allowed:
            _check(child, allowed[name])
            if name != "item" and len(child):
                raise _Fallback  # markup or nested elements (an <image> in a <category>)
            if name in unique and name in seen:
                raise _Fallback  # repeated fields: feedparser's depth/overwrite rules
            seen.add(name)
            out.append((name, child))
        elif _handled(name) or child.get(_XML_LANG) is not None or child.get(_XML_BASE) is not None:
            raise _Fallback
        else:
            _check_unknown(child)
    return out


def _check_unknown(element: etree._Element) -> None:
    """An element feedparser has no handler for: stored under its own name, harmless."""
    for descendant in element.iter():
        if not isinstance(descendant.tag, str):
            continue
        if descendant is not element and _handled(_name(descendant)):
            raise _Fallback
        if any(a in (_XML_LANG, _XML_BASE, "lang", "base") for a in descendant.attrib):
            raise _Fallback


def _check(element: etree._Element, attributes: tuple[str, ...]) -> None:
    """Only attributes we mirror (feedparser lower-cases their names)."""
    names = [a.lower() for a in element.keys()]
    if not names:
        return  # most elements: no attributes at all
    allowed = {a.lower() for a in attributes}
    if any(a not in allowed for a in names) or len(set(names)) != len(names):
        raise _Fallback


def _attribute(element: etree._Element, name: str, default: str) -> str:
    return next((v for k, v in element.attrib.items() if k.lower() == name), default)


def _name(element: etree._Element) -> str:
    """The element name as feedparser's strict parser reports it (lower case, known prefix)."""
    return _tag_name(element.tag, element.prefix)


@lru_cache(maxsize=512)
def _tag_name(tag: str, prefix: str | None) -> str:
    # Cached: a feed repeats a handful of tags; QName and the lookups cost more than the rest of a field.
    namespace, _, local = tag[1:].rpartition("}") if tag.startswith("{") else (None, "", tag)
    local = local.lower()
    if namespace is None:
        return local
    prefix = _NAMESPACES.get(namespace.lower(), prefix)
    return f"{prefix.lower()}:{local}" if prefix else local


@lru_cache(maxsize=512)
def _handled(name: str) -> bool:
    return fp.has_handler(name)


# -- feedparser's pop() for the strict parser ----------------------------------------


def _text(element: etree._Element) -> str:
    """The element's character data; _Fallback if it has child elements, comments or PIs."""
    if len(element):
        raise _Fallback
    return (element.text or "").strip()


def _pop(element: etree._Element, base: str | None = None) -> str:
    """A non-content field: stripped, maybe resolved as a URI, re-decoded as feedparser does."""
    output = _text(element)
    if base is not None and output:
        output = entries.join_url(base, output)
    return _redecode(output)


def _content(element: etree._Element, ctx: _Context, kind: str) -> tuple[str, str]:
    """A title/description/content: (value, type) as feedparser's pop() leaves them.

    All three are in both can_contain_relative_uris and can_contain_dangerous_markup.
    """
    output = _text(element)
    if kind == "text/plain" and fp.looks_like_html(output):
        kind = "text/html"  # RSS: "some feed formats require consumers to guess"
    if kind in HTML_TYPES and ("<" in output or "&" in output):
        # Identity on text without markup (checked by tests/test_fastfeed.py).
        output = entries.sanitized(output, ctx.base, kind, cheap=ctx.cheap)
    return _redecode(output), kind


def _redecode(output: str) -> str:
    """feedparser's fix for UTF-8 read as ISO-8859-1, then its windows-1252 mapping."""
    if output.isascii():
        return output  # both are the identity on ASCII
    try:
        output = output.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return output.translate(fp.CP1252)
