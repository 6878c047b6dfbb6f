"""An XML feed's bytes as feedparser reads them: the HTTP headers it is told, and lxml's
tree of the document (for fastfeed, and for xmlfeed's trim).

Shared by the feedparser path (xmlfeed.py) and its lxml fast path (fastfeed.py), which
must see the same document. Pure: no I/O (lxml is told: no DTD, no entities, no network).
"""

from __future__ import annotations

import codecs

from lxml import etree

from topicwire.errors import ParseError
from topicwire.types import FetchResult

STRICT = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_pis=False)
RECOVER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)

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


def strict_tree(data: bytes, url: str) -> etree._Element | None:
    """The document's tree; None where lxml refuses it, ParseError past its limits."""
    try:
        return etree.fromstring(data, STRICT)
    except etree.XMLSyntaxError as e:
        if e.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            # 256 levels without huge_tree: no feed nests that deep, and feedparser's SAX
            # walk of 100,000 nested elements took 6.5 s (issue 13). Refused whole.
            reason = "nested deeper than 256 elements" if "depth" in e.msg else e.msg
            raise ParseError(url, f"not a feed: {reason}") from e
        return None
    except ValueError:
        return None
