"""Is a fetched document a feed or a web page? Decided from its first bytes.

The body wins over the Content-Type header: servers label feeds text/html and
text/plain often enough (and pages text/xml now and then) that the header is
only the tie-breaker.
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

from topicwire.types import FetchResult

HEAD_BYTES = 4096

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/xml",
        "text/xml",
        "application/json",
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})  # channel: CDF and RSS 0.90 oddities
HTML_TAGS = frozenset(
    "html head body meta title link script style div p a span table header nav main "
    "section article form iframe img ul ol h1 h2 h3 h4 h5 h6 br noscript".split()
)

# Everything that may precede the root element of an XML or HTML document.
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<![^>\[]*(?:\[.*?\])?\s*>)", re.S)
_HTML_DOCTYPE = re.compile(r"<!doctype\s+html", re.I)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.:-]*)")
# PHP's json_encode escapes "/" as "\/" by default, so allow both spellings.
_JSON_FEED_VERSION = re.compile(rb'"version"\s*:\s*"https?:\\?/\\?/jsonfeed\.org\\?/version\\?/1')

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_BOMLESS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def sniff_kind(result: FetchResult) -> Literal["feed", "page"]:
    """``feed`` for RSS/Atom/RDF/JSON Feed and unknown XML, ``page`` for HTML."""
    if is_json_feed(result.content_type, result.content):
        return "feed"
    head = decode_head(result.content)
    root, prolog = root_element(head)
    if root in FEED_ROOTS:
        return "feed"  # even under an XHTML doctype (feedparser's always_strip_doctype.xml)
    if root in HTML_TAGS or _HTML_DOCTYPE.search(prolog):
        return "page"
    if root and (prolog.lstrip().startswith("<?xml") or "xml" in result.content_type):
        return "feed"
    return "feed" if result.content_type in FEED_TYPES else "page"


def html_instead_of_feed(result: FetchResult) -> str | None:
    """Why a body that should be a feed (``kind = "feed"``) is not: an HTML page, whatever
    its Content-Type said (issue 13: a page served as application/rss+xml passed as an
    empty feed). None when the body does not look like HTML."""
    if sniff_kind(result) != "page":
        return None
    return f"kind = feed but the server sent an HTML page (Content-Type {result.content_type or 'none'})"


def is_json_feed(content_type: str, content: bytes) -> bool:
    """JSON Feed (https://jsonfeed.org/version/1.1), by media type or by its version key."""
    body = content.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if content_type == "application/feed+json":
        return not body.startswith(b"<")
    if content_type == "application/json" and not body.startswith(b"<"):
        return True
    # The version key may sit anywhere in the object, so search the whole body.
    return body.startswith(b"{") and _JSON_FEED_VERSION.search(body) is not None


def decode_head(content: bytes) -> str:
    """The first bytes as text; only markup structure matters, so latin-1 is fine."""
    head = content[:HEAD_BYTES]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, "ignore")
    for prefix, codec in _BOMLESS:  # XML 1.0 appendix F: "<" tells the width
        if head.startswith(prefix):
            return head.decode(codec, "ignore")
    return head.decode("latin-1")


def root_element(head: str) -> tuple[str, str]:
    """(local name of the first element lower-cased or "", the prolog before it)."""
    pos = 0
    while match := _PROLOG.match(head, pos):
        pos = match.end()
    root = _ROOT.match(head, pos)
    if root is None:
        return "", head[:pos]
    return root.group(1).rsplit(":", 1)[-1].lower(), head[:pos]
