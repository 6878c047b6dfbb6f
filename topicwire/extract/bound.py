"""What one article page may cost the extractor (issue 13), decided before parsing (pure).

lxml's tree and trafilatura's copy of it take about 27 times the page's size in memory
(measured: a 9 MB page ~240 MB over the process's ~110 MB, a 2 MB one ~57 MB) and its
time grows with it: issue 13 saw a 9 MB page take 19 s and 428 MB, four at once 1,156 MB.
A page over ``MAX_PAGE_CHARS`` first loses its scripts, styles and comments (JSON-LD
stays: meta.py reads it), often the bulk of a heavy page; if it is still over,
it is cut at the last tag that starts before the limit, and the article says so
(provenance ``text: trafilatura:MODE:cut``). lxml closes what the cut left open.
"""

from __future__ import annotations

import html as htmllib
import re

# 2 MB of markup without its scripts and styles is more than the largest article page in
# ../shared/corpus holds with them (942 pages: median 84 KB, largest 1.6 MB, nymag.com);
# two such extractions at a time (pipeline.EXTRACTIONS) stay well under issue 13's 500 MB.
MAX_PAGE_CHARS = 2_000_000
_HEAVY = re.compile(r"<(?:(script|style)\b|!--)", re.I)
_END = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}
_JSON_LD = re.compile(r"application/ld\+json", re.I)


# libxml2's HTML parser checks each attribute of a start tag against the ones before it: one
# tag of 40,000 distinct attributes took 9 s to parse, a 400 KB page of them 37 s. The
# corpus's most is 64 on an element (942 pages); a tag over 4 KB with more than
# MAX_ATTRIBUTES loses them all (its name stays). Tags that long are JSON props and the like.
MAX_ATTRIBUTES = 1000
_LONG_TAG = re.compile(r"<([A-Za-z][^\s<>/]{0,100})([^<>]{4096,})>")
# What every _LONG_TAG match starts with, found without its backtracking over the tag name
# (0.2 against 0.75 ms for a corpus page; one in ten has such a tag, mostly JSON props).
_LONG_TAG_START = re.compile(r"<[A-Za-z][^<>]{4096}")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def bound_page(html: str, limit: int = MAX_PAGE_CHARS) -> tuple[str, bool]:
    """``html`` within ``limit`` characters, and whether text had to be cut to get there;
    start tags of more than ``MAX_ATTRIBUTES`` attributes without them."""
    html = without_attribute_floods(html)
    if len(html) <= limit:
        return html, False
    html = strip_heavy(html)
    if len(html) <= limit:
        return html, False
    cut = html.rfind("<", 0, limit)
    # No tag in the second half of the window: a wall of text, cut it anywhere.
    return html[: cut if cut > limit // 2 else limit], True


def without_attribute_floods(html: str) -> str:
    """``html`` with each start tag of more than ``MAX_ATTRIBUTES`` attributes reduced to its
    name (one linear pass; quoted values do not count)."""
    if _LONG_TAG_START.search(html) is None:  # most pages: no start tag of 4 KB
        return html

    def reduced(tag: re.Match[str]) -> str:
        attributes = _QUOTED.sub(" v ", tag.group(2)).replace("=", " = ").split()  # name = value
        names = len(attributes) - 2 * attributes.count("=")
        return f"<{tag.group(1)}>" if names > MAX_ATTRIBUTES else tag.group(0)

    return _LONG_TAG.sub(reduced, html)


def strip_heavy(html: str) -> str:
    """``html`` without scripts (but JSON-LD), styles and comments; one linear pass.

    A regex with ``.*?</script>`` rescans to the end for every unclosed opener, which a
    hostile page full of ``<script>`` makes quadratic; here an element without its end
    takes the rest of the page with it, as a browser would hide it.
    """
    out: list[str] = []
    pos = 0
    while (found := _HEAVY.search(html, pos)) is not None:
        out.append(html[pos : found.start()])
        tag = (found.group(1) or "").lower()
        if not tag:  # a comment
            end = html.find("-->", found.end())
            pos = end + 3 if end >= 0 else len(html)
            continue
        opened = html.find(">", found.end())
        if opened < 0:
            return "".join(out)  # "<script" and no tag end: nothing parseable follows
        closing = _END[tag].search(html, opened + 1)
        if closing is None:
            return "".join(out)
        close = html.find(">", closing.end())
        end = close + 1 if close >= 0 else len(html)
        if tag == "script" and _JSON_LD.search(html, found.end(), opened):
            # Kept whole, up to its own end tag: its text is JSON, not markup to scan (a
            # "<script" in an articleBody once started a strip that ate this end tag, and the
            # rest of the page became script text: "no main text found").
            out.append(html[found.start() : end])
        pos = end
    out.append(html[pos:])
    return "".join(out)


# -- feed fields -------------------------------------------------------------------------
# feedparser's sanitizer and URI resolver (sgmllib, pure Python) cost ~25 us a tag: a
# content field of <div> nested 50,000 deep took 5 s, and libxml2's HTML parser drops
# everything under its 256-level limit (issue 13). Markup over these bounds is read as
# text by two linear regex passes instead; topicwire rebuilds stored HTML from text
# paragraphs anyway (extract/build.py), so only formatting inside a paragraph is lost.
MAX_FIELD_TAGS = 5_000  # tags in one field: a long article has a few hundred
# Tags in one feed document, fields included. feedparser's SAX walk of an Atom feed costs
# 30-60 us an element (~9,000 entries of 6 elements took 17 s under cProfile, 5 s without):
# 30,000 is ~1 s, and holds a full-text feed of 100 entries of 300 tags each.
MAX_DOCUMENT_TAGS = 30_000
_BLOCK = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|dl|dd|dt|h[1-6]|blockquote|pre|table|tr|section|article|figure)\b[^<>]{0,1000}>",
    re.I,
)
_TAG = re.compile(r"<[^<>]{0,1000}>")  # [^<>]: an unclosed "<" costs one scan to the next "<"


def count_tags(markup: str | bytes) -> int:
    """Tags in ``markup``, escaped ones too (feedparser sanitizes escaped HTML as well)."""
    if isinstance(markup, bytes):
        return markup.count(b"<") + markup.count(b"&lt;")
    return markup.count("<") + markup.count("&lt;")


def markup_text(markup: str) -> str:
    """Plain text of an HTML fragment in linear time: paragraphs split at block tags,
    scripts and styles dropped, entities decoded."""
    text = _TAG.sub("", _BLOCK.sub("\n\n", strip_heavy(markup)))
    return htmllib.unescape(text)
