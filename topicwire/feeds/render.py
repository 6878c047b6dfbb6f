"""Render a topic's FeedDoc as RSS 2.0, Atom 1.0, JSON Feed 1.1 and OPML 2.0.

Pure: data in, bytes out, no clock and no I/O. The same FeedDoc always gives
the same bytes, because feed readers and our ETags compare bytes: feedgen's
clock-based defaults (``lastBuildDate``, ``updated``) are always overridden
from ``doc.updated``.

Entries are rendered in the order given (the caller sorts newest first).
``hub`` (``output.websub_hub``) advertises a WebSub hub; "" leaves the bytes as
they were without one.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from feedgen.entry import FeedEntry as FeedgenEntry
from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from topicwire.types import FeedDoc, FeedEntry

GENERATOR = "topicwire"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
UNTITLED = "(untitled)"

# XML 1.0 (section 2.2) forbids most C0 controls and lone surrogates; lxml
# refuses them with ValueError, and one stray \x0b from a scraped page would
# otherwise fail the whole topic. JSON gets the same cleaning so that every
# format says the same thing (and lone surrogates cannot fail UTF-8 encoding).
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ATOM_NS = "http://www.w3.org/2005/Atom"
_EMAIL = re.compile(r"[^\s<>()\"',;@]+@[^\s<>()\"',;@]+\.[^\s<>()\"',;@]+")


# --- small pure helpers ---------------------------------------------------


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _utc(moment: datetime) -> datetime:
    """Normalise to UTC, whole seconds (RSS dates cannot carry more)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime in a feed: {moment!r} (types.py wants aware UTC)")
    return moment.astimezone(UTC).replace(microsecond=0)


def _rfc3339(moment: datetime) -> str:
    return _utc(moment).isoformat()


def split_author(author: str | None) -> tuple[str, str | None]:
    """``"Jane Doe <jane@example.org>"`` -> ``("Jane Doe", "jane@example.org")``.

    Returns ``("", None)`` for no author. The name falls back to the address
    when only an address was given, since Atom and JSON Feed need a name.
    """
    text = _clean(author or "").strip()
    found = _EMAIL.search(text)
    if found is None:
        return text, None
    rest = (text[: found.start()] + text[found.end() :]).replace("<>", "").replace("()", "")
    name = " ".join(rest.strip(" \t<>()\"',;").split())
    return name or found.group(0), found.group(0)


def _feed_title(doc: FeedDoc) -> str:
    return _clean(doc.title).strip() or doc.name


def _title(entry: FeedEntry) -> str:
    # Atom requires a non-empty title (RFC 4287 4.2.14) and feedgen enforces it.
    return _clean(entry.title).strip() or UNTITLED


def _categories(entry: FeedEntry) -> tuple[str, ...]:
    """Non-empty, de-duplicated, in the given order."""
    cleaned = (_clean(c).strip() for c in entry.categories)
    return tuple(dict.fromkeys(c for c in cleaned if c))


# --- RSS 2.0 and Atom 1.0 via feedgen -------------------------------------


class _RssHubLink(BaseExtension):
    """``<atom:link rel="hub">`` right after the channel's rel="self" link.

    W3C WebSub section 4: a topic advertises its hub with rel="hub" next to
    rel="self" (the URL subscribers subscribe to). feedgen writes only the
    self link of its link list into RSS, hence this extension.
    """

    href = ""

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        self_link = feed.find(f"channel/{{{ATOM_NS}}}link[@rel='self']")
        if self.href and self_link is not None:
            self_link.addnext(etree.Element(f"{{{ATOM_NS}}}link", href=self.href, rel="hub"))
        return feed


def _generator(doc: FeedDoc, self_url: str, self_type: str, hub: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(_feed_title(doc))
    fg.generator(GENERATOR)
    # feedgen uses the *last* link added as the RSS channel <link>, so the
    # self link goes first and the home page last.
    fg.link(href=self_url, rel="self", type=self_type)
    if hub:
        # Atom gets it from here; RSS from _RssHubLink (feedgen writes only rel=self there).
        fg.link(href=hub, rel="hub")
        fg.register_extension("websub", _RssHubLink, atom=False, rss=True)
        fg.websub.href = hub
    fg.link(href=doc.base_url, rel="alternate", type="text/html")
    fg.updated(_utc(doc.updated))
    fg.lastBuildDate(_utc(doc.updated))
    return fg


def _rss_author(fe: Any, author: str | None) -> None:
    name, email = split_author(author)
    if email:
        # RSS 2.0 <author> must be an email address, "addr (Name)" by custom.
        fe.author(name=name, email=email)
    elif name:
        # A bare name in <author> is invalid RSS; Dublin Core is what readers
        # (and the W3C validator) expect instead.
        fe.dc.dc_creator(name)


def _rss_item(entry: FeedEntry) -> etree._Element:
    fe = FeedgenEntry()
    fe.load_extension("dc", atom=False, rss=True)
    fe.guid(entry.id, permalink=False)
    fe.title(_title(entry))
    if entry.link:
        fe.link(href=entry.link)
    fe.published(_utc(entry.published))
    fe.updated(_utc(entry.updated))
    if entry.summary:
        # <description> is HTML by RSS convention; the summary is plain text.
        fe.summary(html.escape(_clean(entry.summary), quote=False))
    if entry.content_html:
        fe.content(_clean(entry.content_html), type="html")
    for term in _categories(entry):
        fe.category(term=term)
    _rss_author(fe, entry.author)
    return fe.rss_entry()


def _atom_entry(entry: FeedEntry) -> etree._Element:
    fe = FeedgenEntry()
    fe.id(entry.id)
    fe.title(_title(entry))
    if entry.link:
        # feedgen 1.0 drops rel/type on entry links; an Atom link without rel
        # *is* the alternate link (RFC 4287 4.2.7.2), so that is still right.
        fe.link(href=entry.link, rel="alternate", type="text/html")
    fe.published(_utc(entry.published))
    fe.updated(_utc(entry.updated))
    if entry.summary:
        fe.summary(_clean(entry.summary))
    # An entry without an alternate link must have content (RFC 4287 4.1.1.1), and blank
    # content is a W3C validator warning: say at least what the summary or the title says.
    if entry.content_html or not entry.link:
        fallback = html.escape(_clean(entry.summary).strip() or _title(entry), quote=False)
        fe.content(_clean(entry.content_html) or fallback, type="html")
    for term in _categories(entry):
        fe.category(term=term)
    name, email = split_author(entry.author)
    if name:
        fe.author(name=name, email=email)
    return fe.atom_entry()


class _Built(FeedgenEntry):  # type: ignore[misc]
    """An entry whose element feedgen already built (see EntryCache).

    The element itself is handed over, not a copy: appending it to this feed's
    tree moves it out of the previous feed's, which is fine because each feed is
    serialized before the next is built (rendering is sequential; the daemon
    publishes under one lock). A copy cost 0.1 s per publish of 50 x 100 entries.
    """

    def __init__(self, element: etree._Element) -> None:
        super().__init__()
        self._element = element

    def rss_entry(self, extensions: bool = True) -> etree._Element:
        return self._element

    def atom_entry(self, extensions: bool = True) -> etree._Element:
        return self._element


class EntryCache:
    """Each entry is rendered once per format for as long as some feed shows it.

    A story stays in its feeds for many publishes while a few new ones arrive;
    rebuilding every entry of every feed each time made regenerating 50 feeds
    of 100 entries cost ~1.7 s (bench/render.py), nearly all of it feedgen and
    json building the same entries again. Keys are the frozen FeedEntry values,
    so any change to an entry renders it anew. ``sweep()`` after each publish
    forgets entries no feed used, so memory follows the feeds, not history.
    """

    def __init__(self) -> None:
        self._kept: dict[tuple[str, FeedEntry], Any] = {}
        self._used: dict[tuple[str, FeedEntry], Any] = {}

    def get(self, fmt: str, entry: FeedEntry, build: Callable[[FeedEntry], Any]) -> Any:
        key = (fmt, entry)
        value = self._used.get(key)
        if value is None:
            value = self._kept.pop(key, None)
            if value is None:
                value = build(entry)
            self._used[key] = value
        return value

    def sweep(self) -> int:
        """Forget what the publish just done did not use; returns how many entries are kept."""
        self._kept, self._used = self._used, {}
        return len(self._kept)


def _build(cache: EntryCache | None, fmt: str, entry: FeedEntry, build: Callable[[FeedEntry], Any]) -> Any:
    return cache.get(fmt, entry, build) if cache is not None else build(entry)


def render_rss(doc: FeedDoc, hub: str = "", cache: EntryCache | None = None) -> bytes:
    """RSS 2.0 with atom:link rel=self (and rel=hub), content:encoded and dc:creator."""
    fg = _generator(doc, doc.url("rss"), "application/rss+xml", hub)
    # RSS requires a non-empty channel description.
    fg.description(_clean(doc.description).strip() or _feed_title(doc))
    fg.load_extension("dc", atom=False, rss=True)
    for entry in doc.entries:
        fg.add_entry(_Built(_build(cache, "rss", entry, _rss_item)), order="append")
    return _hex_references(bytes(fg.rss_str(pretty=True, encoding="UTF-8")))


def _hex_references(xml: bytes) -> bytes:
    """``&amp;`` -> ``&#x26;``, ``&lt;`` -> ``&#x3C;``: the same XML, in the form the RSS
    Best Practices Profile asks of plain text ("Encode & and < ... using hexadecimal
    character references", a W3C validator warning on titles like "Oil & Gas"), so a
    reader that decodes a title as HTML cannot take "&amp;" for markup."""
    return xml.replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;")


def render_atom(doc: FeedDoc, hub: str = "", cache: EntryCache | None = None) -> bytes:
    """Atom 1.0; the feed id is its own URL, entries carry html content."""
    fg = _generator(doc, doc.url("atom"), "application/atom+xml", hub)
    # An Atom entry must have an author unless its feed has one (RFC 4287 4.1.2; W3C:
    # "Missing entry element: author"), and many articles name none.
    fg.author(name=_clean(doc.publisher).strip() or GENERATOR)
    if _clean(doc.description).strip():
        # Not fg.description(): feedgen maps that to the subtitle as well.
        fg.subtitle(_clean(doc.description).strip())
    for entry in doc.entries:
        fg.add_entry(_Built(_build(cache, "atom", entry, _atom_entry)), order="append")
    return bytes(fg.atom_str(pretty=True, encoding="UTF-8"))


# --- JSON Feed 1.1 --------------------------------------------------------


def _json_item(entry: FeedEntry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id}
    if entry.link:
        item["url"] = entry.link
    if _clean(entry.title).strip():
        item["title"] = _clean(entry.title).strip()
    # One of content_html / content_text must be present (JSON Feed 1.1, items).
    if entry.content_html:
        item["content_html"] = _clean(entry.content_html)
    else:
        item["content_text"] = _clean(entry.summary)
    if entry.summary:
        item["summary"] = _clean(entry.summary)
    item["date_published"] = _rfc3339(entry.published)
    item["date_modified"] = _rfc3339(entry.updated)
    name, _ = split_author(entry.author)
    if name:
        # Only the name: addresses are not published in the JSON form.
        item["authors"] = [{"name": name}]
    if entry.categories:
        item["tags"] = list(_categories(entry))
    return item


def render_json(doc: FeedDoc, hub: str = "", cache: EntryCache | None = None) -> bytes:
    """JSON Feed 1.1, UTF-8, non-ASCII kept as is."""
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": _feed_title(doc),
        "home_page_url": doc.base_url,
        "feed_url": doc.url("json"),
    }
    if hub:
        # JSON Feed 1.1 "hubs": endpoints for real-time notification; type and url are required.
        feed["hubs"] = [{"type": "WebSub", "url": hub}]
    if _clean(doc.description).strip():
        feed["description"] = _clean(doc.description).strip()
    feed["items"] = []
    head = json.dumps(feed, ensure_ascii=False, indent=2)
    if not doc.entries:
        return (head + "\n").encode("utf-8")
    # The same text json.dumps(feed, indent=2) gives, with each item encoded once (EntryCache):
    # "items" is the last key, so its empty list closes the document.
    items = ",\n".join(_build(cache, "json", entry, _json_text) for entry in doc.entries)
    return (head.removesuffix("[]\n}") + "[\n" + items + "\n  ]\n}\n").encode("utf-8")


def _json_text(entry: FeedEntry) -> str:
    """One item as it sits in the feed's "items" list, indented two levels."""
    return "\n".join("    " + line for line in json.dumps(_json_item(entry), ensure_ascii=False, indent=2).splitlines())


# --- OPML 2.0 -------------------------------------------------------------


def _outline(doc: FeedDoc) -> ET.Element:
    title = _feed_title(doc)
    attrs = {"type": "rss", "text": title, "title": title}
    attrs |= {"xmlUrl": doc.url("rss"), "htmlUrl": doc.base_url}
    if doc.description.strip():
        attrs["description"] = _clean(doc.description).strip()
    return ET.Element("outline", attrs)


def render_opml(docs: Sequence[FeedDoc], title: str) -> bytes:
    """OPML 2.0 subscription list: one outline per topic, pointing at its RSS.

    Readers import every outline as a subscription, so the Atom and JSON
    variants are deliberately not listed (they would be duplicates).
    """
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _clean(title)
    if docs:
        newest = max(_utc(doc.updated) for doc in docs)
        # OPML 2.0 dates are RFC 822, like RSS.
        ET.SubElement(head, "dateModified").text = format_datetime(newest, usegmt=True)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    body.extend(_outline(doc) for doc in docs)
    if not docs:
        # "A <body> contains one or more <outline> elements" (OPML 2.0; W3C: "Missing body
        # element: outline"). Without xmlUrl, readers import no subscription from it.
        ET.SubElement(body, "outline", {"text": "no topics configured"})
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
