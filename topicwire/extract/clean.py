"""Text hygiene shared by the extractor, the page parser and feed summaries.

Everything here is pure and total: any string in, a clean string out.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable

import lxml.html
from lxml import etree

# Soft hyphens and zero-width spaces come from CMS hyphenation and copy-paste; they
# break phrase matching ("Azer\u00adbaijan"). ZWJ/ZWNJ are kept: Persian, Indic scripts
# and emoji sequences need them to spell words.
INVISIBLE_CHARS = "\u00ad\u200b\u2060\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")
DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "head")
BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd details div dl dt figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table td th tr ul".split()
)
_ELLIPSIS = "…"
# The only markup topicwire stores or publishes (issue 4, safety): what paragraphs_to_html
# and article._blocks_to_html write, without a single attribute. Whatever a source sent
# is reduced to text and escaped, so no script, style, iframe, on*= handler or
# javascript:/data: URL can survive; tests/test_sanitize_sweep.py holds stored HTML to this
# list over feedparser's 745 sanitizer cases.
SAFE_TAGS = frozenset({"p", "h3", "ul", "li", "blockquote"})
SAFE_ATTRIBUTES: frozenset[str] = frozenset()
_TRAILING_PUNCT = " ,;:-–—(\"'“‘"


# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana and CJK
# ideographs (Hangul is written with spaces; Cyrillic, Greek, Arabic too).
_UNSPACED_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9d]"
)


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")  # the HTML heading tags


def unspaced_script(text: str) -> bool:
    """``text`` is written in a script without spaces between words (Chinese, Japanese,
    Thai, ...): its words cannot be counted by spaces, nor its case read."""
    return _UNSPACED_SCRIPT.search(text) is not None


def normalize_text(text: str) -> str:
    """One line of text: invisible characters removed, any whitespace run made one space."""
    # str.split() splits at the characters re's \s matches in a str (NBSP, thin and
    # ideographic spaces too: the same 29 of all code points) and is 2-3 times faster than
    # re.sub(r"\s+", " ", ...): extract/layout.py normalizes every block of every page.
    # Few texts hold an invisible character: four substring tests cost less than the regex
    # call (normalize_text on 80,000 corpus blocks: 40% less time, issue 17).
    if "\u00ad" in text or "\u200b" in text or "\u2060" in text or "\ufeff" in text:  # INVISIBLE_CHARS
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def clean_blocks(blocks: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Normalize ``(kind, text)`` blocks, dropping empty ones and repeats of a kept text.

    Repeats are dropped because some CMSs render the body twice inside the article
    container (the MENAFN page of seed 003 does); a second copy adds nothing.
    """
    seen: set[str] = set()
    kept = []
    for kind, text in blocks:
        text = normalize_text(text)
        if text and text not in seen:
            seen.add(text)
            kept.append((kind, text))
    return tuple(kept)


def clean_paragraphs(paragraphs: Iterable[str]) -> tuple[str, ...]:
    """Normalized, non-empty paragraphs, each kept once (the first time it appears)."""
    return tuple(text for _, text in clean_blocks(("p", p) for p in paragraphs))


def paragraphs_to_html(paragraphs: Iterable[str]) -> str:
    """``<p>`` per paragraph, text escaped: safe HTML by construction."""
    return "\n".join(f"<p>{htmllib.escape(p, quote=False)}</p>" for p in paragraphs)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment; block elements become paragraph breaks."""
    if not html or not html.strip():
        return ""
    if "<" not in html and "&" not in html and "\0" not in html:
        # No markup to parse: lxml would wrap it in one <p> (most feed teasers are
        # plain text); tests/test_fastfeed.py checks both ways agree.
        text = html.replace("\r\n", "\n").replace("\r", "\n")
        return "\n\n".join(p for p in (normalize_text(p) for p in text.split("\n\n")) if p)
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # only comments, or a bad XML declaration
        return normalize_text(htmllib.unescape(re.sub(r"<[^>]*>", " ", html)))
    return "\n\n".join(element_paragraphs(root))


def element_paragraphs(element: etree._Element) -> tuple[str, ...]:
    """Normalized paragraphs of an lxml element (modified: scripts and styles are removed)."""
    for dropped in list(element.iter(*DROPPED_TAGS)):
        if dropped is not element:
            dropped.drop_tree()
    pieces: list[str] = []
    _collect_text(element, pieces)
    paragraphs = (normalize_text(p) for p in "".join(pieces).split("\n\n"))
    return tuple(p for p in paragraphs if p)


def _collect_text(element: etree._Element, pieces: list[str]) -> None:
    """Append the text under ``element``, with "\\n\\n" around block elements."""
    is_block = isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS
    if is_block:
        pieces.append("\n\n")
    if isinstance(element.tag, str) and element.text:  # comments and PIs have no text for us
        pieces.append(element.text)
    for child in element:
        _collect_text(child, pieces)
        if child.tail:
            pieces.append(child.tail)
    if is_block:
        pieces.append("\n\n")


def summarize(text: str, limit: int = 300) -> str:
    """``text`` on one line, cut on a word boundary to at most ``limit`` characters."""
    text = normalize_text(text)
    if len(text) <= limit or limit <= len(_ELLIPSIS):
        return text[: max(limit, 0)]
    cut = text[: max(limit - len(_ELLIPSIS), 0) + 1]  # +1: is the next character a space?
    head, space, _ = cut.rpartition(" ")
    body = head if space and head else cut[:-1]  # one long word (or CJK): hard cut
    return body.rstrip(_TRAILING_PUNCT) + _ELLIPSIS
