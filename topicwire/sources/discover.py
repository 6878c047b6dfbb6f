"""Feed autodiscovery: the feeds an HTML page links to (pure, never raises).

    <link rel="alternate" type="application/rss+xml" title="..." href="...">
    | rel tokens include "alternate" (any case), type is a feed type
    | href resolved against <base href>, then the page URL; http(s) only
    | de-duplicated by URL
    -> FoundFeed... in document order

Document order, not RSS/Atom before JSON: sites list their main feed first
(WordPress: posts, then comments), and the first link is the one browsers and
feed readers offer. Used by ``kind = "auto"`` sources (the first feed found)
and ``topicwire discover URL`` (all of them). See the RSS Advisory Board's
"RSS Autodiscovery" (2006) and https://jsonfeed.org/version/1.1 (discovery).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",  # JSON Feed before feed+json was registered; see is_feed_link
    }
)


@dataclass(frozen=True)
class FoundFeed:
    url: str  # absolute http(s) URL
    type: str  # media type as linked, lower-cased: "application/rss+xml"
    title: str  # the link's title, "" if none


def discover_feeds(html: str | bytes, base_url: str) -> tuple[FoundFeed, ...]:
    """The feeds ``html`` (fetched from ``base_url``) links to; () for anything unreadable."""
    root = parse(html)
    if root is None:
        return ()
    base = document_base(root, base_url)
    found: dict[str, FoundFeed] = {}
    for link in root.iter("link"):
        feed = found_feed(link, base)
        if feed is not None:
            found.setdefault(feed.url, feed)  # dicts keep insertion order: the first wins
    return tuple(found.values())


def parse(html: str | bytes) -> etree._Element | None:
    # Text is parsed as UTF-8 bytes: lxml refuses a str that carries an XML encoding
    # declaration (XHTML pages do), and lone surrogates are replaced, not fatal.
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    parser = lxml.html.HTMLParser(encoding="utf-8") if isinstance(html, str) else lxml.html.HTMLParser()
    try:
        return etree.fromstring(data, parser) if data.strip() else None
    except (etree.LxmlError, ValueError):
        return None


def document_base(root: etree._Element, base_url: str) -> str:
    """HTML's document base URL: the first ``<base href>``, itself relative to the page."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return join(base_url, href) or base_url
    return base_url


def found_feed(link: etree._Element, base: str) -> FoundFeed | None:
    rel = (link.get("rel") or "").lower().split()
    media_type = (link.get("type") or "").split(";")[0].strip().lower()
    href = (link.get("href") or "").strip()
    if "alternate" not in rel or media_type not in FEED_TYPES or not href:
        return None
    title = " ".join((link.get("title") or "").split())
    url = join(base, href)
    if url is None or urlsplit(url).scheme not in ("http", "https"):
        return None
    if media_type == "application/json" and not hints_feed(title, url):
        return None
    return FoundFeed(url=url, type=media_type, title=title)


def hints_feed(title: str, url: str) -> bool:
    """Plain application/json is a feed only when its title or URL says so.

    WordPress (5.5+) links every page's REST resource as rel="alternate"
    type="application/json" (title "JSON" since 6.x); those are not feeds.
    oEmbed's application/json+oembed never gets here: the type must match exactly.
    """
    parts = urlsplit(url)
    return "feed" in f"{title} {parts.path} {parts.query}".lower()


def join(base: str, href: str) -> str | None:
    try:
        return urljoin(base, href)
    except ValueError:  # "http://[::1" and friends
        return None
