"""Turn the bytes of an HTML page into text without ever failing.

Order of evidence follows the WHATWG encoding sniffing algorithm, simplified:
a byte order mark wins, then the HTTP ``charset``, then a ``<meta>`` in the
first bytes, then UTF-8, and cp1252 as the last resort (what browsers do for
undeclared legacy Western pages).
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG maps these to windows-1252: pages that say latin-1 use cp1252 quotes (0x80-0x9f).
_AS_CP1252 = frozenset({"iso8859-1", "ascii"})
_META_SCAN_BYTES = 4096  # the spec scans 1024; CMS pages often put scripts first
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def decode_html(body: bytes, http_charset: str | None) -> str:
    """Decode ``body``; a bogus or wrong charset name never raises."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    declared = _codec(http_charset) or _meta_codec(body)
    if declared:
        return body.decode(declared, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _meta_codec(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:_META_SCAN_BYTES])
    name = _codec(match.group(1).decode("ascii")) if match else None
    # A page cannot declare UTF-16/32 in ASCII-compatible <meta> text and mean it;
    # browsers read such pages as UTF-8 (WHATWG "prescan" step).
    if name and name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name


def _codec(label: str | None) -> str | None:
    """Python's text codec for ``label``, or None if unknown or not a text codec."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except LookupError:
        return None
    # "base64", "rot13", "zlib" are codecs too, and bytes.decode() refuses them.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return "cp1252" if info.name in _AS_CP1252 else info.name
