"""Main text and metadata of one article page (pure: HTML string in, Extracted out).

    parse HTML once (lxml)
    | page metadata        <link rel=canonical>, og:url, article:*_time, <html lang>
    | prune link lists     headline lists, menus (a copy of the tree; see prune_link_lists)
    | trafilatura          main-text body tree + its own metadata (precision, then balanced)
    | blocks               paragraphs, headings, list items, quotes, table rows
    | clean_blocks         whitespace, invisible characters, repeated paragraphs
    -> Extracted

Page metadata written by the publisher wins over trafilatura's guesses: its date
comes from htmldate, which can read a CSS cache-buster such as ``style.css?20240301``
as the publication day (it does on the fixture listing page).
"""

from __future__ import annotations

import copy
import html as htmllib
import re
from collections.abc import Iterator
from datetime import datetime

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Document

from topicwire.errors import ParseError
from topicwire.extract.clean import clean_blocks, normalize_text
from topicwire.extract.dates import parse_date
from topicwire.extract.urls import canonicalize_url, host_of
from topicwire.types import Extracted

# Measured with this module on /work/shared/corpus (696 annotated trafilatura-eval pages,
# snippet P/R/F1; 119 Zyte news pages, mean shingle F1):
#   favor_precision         P .919 R .920 F1 .920 | Zyte F1 .967  <- chosen
#   balanced (default)      P .906 R .937 F1 .921 | Zyte F1 .954
#   precision, no tables    P .920 R .903 F1 .911 | Zyte F1 .958
#   trafilatura.bare_extraction alone, precision: F1 .919 | Zyte .965; balanced: .924 | .950
# We read news, and boilerplate that names a country files an article under the wrong
# topic, so precision wins; the balanced retry in _trafilatura() recovers empty results.
FAVOR_PRECISION = True
INCLUDE_TABLES = True
_PUBLISHED_KEYS = ("article:published_time", "og:published_time", "datepublished", "pubdate")
_UPDATED_KEYS = ("article:modified_time", "og:updated_time", "datemodified")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "sailthru.author")
_TITLE_KEYS = ("og:title", "twitter:title")
_MIN_TEXT_CHARS = 40  # less is a menu item or a cookie notice, not an article
_MIN_EXTRACTED_SIZE = 250  # trafilatura's settings.cfg value: below it, it distrusts a result
_SHORT_TEXT = 40  # non-space characters: a date, a time, a view counter, a bullet
_LINK_DENSITY = 0.6  # of a link list's text inside its links
_LINK_LIST_CONTAINERS = ("ul", "ol", "dl", "div", "section", "aside", "nav", "table", "tbody", "td", "menu")
# <noscript> counts: Blogger serves the whole post there (trafilatura reads it too).
_SKIPPED_TEXT = frozenset({"script", "style", "template"})
_BLOCK_TAGS = ("p", "head", "list", "quote", "table", "code")
# As trafilatura parses a string: with comments left in the tree it loses text after
# them (Zyte benchmark: recall .98 -> .97, two pages lose half their body).
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?=$|[-_])")
# Characters XML cannot hold: libxml2's HTML parser keeps them in the tree, then
# lxml refuses them on the first .text/.tail write (drop_tree) with ValueError.
# Browsers show U+0000 as U+FFFD and the other C0 controls as nothing (fuzz, issue 7).
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Real pages have next to none of those; random or compressed bytes decode to
# ~11% of them (29 of 256 byte values). Binary served as text/html is refused
# rather than "extracted" into noise (issue 7, hostile servers).
_BINARY_SHARE = 0.03
_BINARY_SCAN_CHARS = 4096


def extract_article(html: str, url: str) -> Extracted:
    """Main text and metadata of the article page ``html`` fetched from ``url``."""
    tree = parse_html(html, url)
    canonical = _canonical_url(tree, url)
    published = _meta_date(tree, _PUBLISHED_KEYS)
    updated = _meta_date(tree, _UPDATED_KEYS)
    language = page_language(tree)
    meta_author = meta_value(tree, _AUTHOR_KEYS)
    doc = _trafilatura(prune_link_lists(copy.deepcopy(tree)), url)
    title = normalize_text(doc.title or meta_value(tree, _TITLE_KEYS) or "") or None
    blocks = _drop_title_heading(clean_blocks(_body_blocks(doc.body)), title)
    if sum(len(text) for _, text in blocks) < _MIN_TEXT_CHARS:
        raise ParseError(url, "no main text found")
    return Extracted(
        text="\n\n".join(text for _, text in blocks),
        html=_blocks_to_html(blocks),
        title=title,
        author=_author(doc.author, meta_author),
        published=published or parse_date(doc.date),
        updated=updated,
        language=language or _language_code(doc.language),
        canonical_url=canonical,
        method="trafilatura",
    )


def parse_html(html: str, url: str) -> lxml.html.HtmlElement:
    """The page as an lxml tree; ParseError if it is empty or not HTML at all."""
    head = html[:_BINARY_SCAN_CHARS]
    if len(_NOT_XML_CHARS.findall(head)) > _BINARY_SHARE * len(head):
        raise ParseError(url, "binary content, not an HTML page")
    html = _NOT_XML_CHARS.sub("", html)
    if not html.strip():
        raise ParseError(url, "empty page")
    try:
        return lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as e:  # ValueError: str with an encoding declaration
        try:
            return lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
        except (etree.ParserError, ValueError):
            raise ParseError(url, "not an HTML page") from e


def _trafilatura(tree: lxml.html.HtmlElement, url: str) -> Document:
    doc = _run_trafilatura(tree, url, FAVOR_PRECISION)
    # Precision mode finds nothing on some plain pages that the balanced mode reads well
    # (6 of 847 corpus pages); below trafilatura's own MIN_EXTRACTED_SIZE, ask again.
    if FAVOR_PRECISION and _text_size(doc) < _MIN_EXTRACTED_SIZE:
        balanced = _run_trafilatura(tree, url, favor_precision=False)
        doc = balanced if _text_size(balanced) > _text_size(doc) else doc
    if doc is None or doc.body is None:  # trafilatura returns None when it finds no text
        raise ParseError(url, "no main text found")
    return doc


def _run_trafilatura(tree: lxml.html.HtmlElement, url: str, favor_precision: bool) -> Document | None:
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=INCLUDE_TABLES,
        favor_precision=favor_precision,
    )
    return doc if isinstance(doc, Document) else None  # a dict only with as_dict=True


def _text_size(doc: Document | None) -> int:
    return len(doc.text or "") if doc is not None else 0


# -- page metadata ---------------------------------------------------------------------------


def meta_value(tree: lxml.html.HtmlElement, keys: tuple[str, ...]) -> str | None:
    """Content of the first non-empty ``<meta>`` (property, name or itemprop) in ``keys`` order."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            content = normalize_text(meta.get("content") or "")
            if key in keys and content and key not in found:
                found[key] = content
    return next((found[key] for key in keys if key in found), None)


def _meta_date(tree: lxml.html.HtmlElement, keys: tuple[str, ...]) -> datetime | None:
    return parse_date(meta_value(tree, keys))


def _canonical_url(tree: lxml.html.HtmlElement, url: str) -> str | None:
    """``<link rel=canonical>``, else ``og:url``, made absolute against ``url``."""
    candidates = [
        link.get("href") or "" for link in tree.iter("link") if "canonical" in (link.get("rel") or "").lower().split()
    ]
    candidates.append(meta_value(tree, ("og:url",)) or "")
    for href in candidates:
        canonical = canonicalize_url(href, base=url) if href.strip() else ""
        if _plausible_canonical(canonical, url):
            return canonical
    return None


def _plausible_canonical(canonical: str, url: str) -> bool:
    """Reject the usual template mistakes: no host, or the home page for an article."""
    if not canonical.startswith(("http://", "https://")) or not host_of(canonical):
        return False
    is_home = canonical.split("//", 1)[1].rstrip("/").count("/") == 0
    return not is_home or canonicalize_url(url) == canonical


def page_language(tree: lxml.html.HtmlElement) -> str | None:
    """The page's declared language ("en"), from ``<html lang>`` or ``og:locale``."""
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    return _language_code(lang) or _language_code(meta_value(tree, ("og:locale",)))


def _language_code(value: str | None) -> str | None:
    """Primary language subtag, lower-cased: "en-GB" and "en_US" are both "en"."""
    match = _LANG.match((value or "").strip())
    return match.group(0).lower() if match else None


def _author(found: str | None, meta: str | None) -> str | None:
    # trafilatura drops some bylines (a desk name such as "Newsroom"); the meta tag is
    # what the publisher declared, so it is the fallback, unless it is a profile URL.
    for author in (found, meta):
        author = normalize_text(author or "")
        if author and "://" not in author:
            return author
    return None


# -- body tree ---------------------------------------------------------------------------------


def _body_blocks(container: etree._Element, kind: str = "p") -> Iterator[tuple[str, str]]:
    """``(kind, text)`` per block of trafilatura's body tree (its XML-TEI-like format).

    Containers (the body, table cells, list items, quotes) are walked recursively
    when they hold blocks; loose text between blocks becomes a block of its own.
    """
    yield kind, container.text or ""
    for child in container:
        if isinstance(child.tag, str):
            yield from _child_blocks(child, kind)
        yield kind, child.tail or ""


def _child_blocks(element: etree._Element, kind: str) -> Iterator[tuple[str, str]]:
    tag = element.tag
    if tag in ("lb", "graphic"):
        return
    if tag == "table":
        yield from _table_blocks(element)
    elif tag == "list":
        for item in element.iterchildren("item"):
            yield from _leaf_or_walk(item, "li")
    elif tag == "head":
        yield "h", _text(element)
    elif tag == "quote":
        yield from _leaf_or_walk(element, "quote")
    elif _has_blocks(element):
        yield from _body_blocks(element, kind)
    else:  # p, code, and inline elements (hi, ref) that trafilatura left at block level
        yield from ((kind, line) for line in _lines(element))


def _leaf_or_walk(element: etree._Element, kind: str) -> Iterator[tuple[str, str]]:
    if _has_blocks(element):
        yield from _body_blocks(element, kind)
    else:
        yield kind, _text(element)


def _table_blocks(table: etree._Element) -> Iterator[tuple[str, str]]:
    """A data row becomes "a | b | c"; a layout cell that holds paragraphs is walked."""
    for row in table.iterchildren("row"):
        cells = list(row.iterchildren("cell"))
        if any(_has_blocks(cell) for cell in cells):
            for cell in cells:
                yield from _body_blocks(cell)
        else:
            yield "p", " | ".join(text for text in map(normalize_text, map(_text, cells)) if text)


def _has_blocks(element: etree._Element) -> bool:
    return any(child.tag in _BLOCK_TAGS for child in element if isinstance(child.tag, str))


def _lines(element: etree._Element) -> Iterator[str]:
    """Text of a paragraph, split at its ``<lb/>``: CMSs write paragraphs as <br><br>."""
    line: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            yield "".join(line)
            line = []
        elif isinstance(child.tag, str):  # not a comment
            line.append("".join(child.itertext()))
        line.append(child.tail or "")
    yield "".join(line)


def _text(element: etree._Element) -> str:
    """All text of an element on one line (its own tail excluded, ``<lb/>`` as a space)."""
    return " ".join(_lines(element))


def _drop_title_heading(blocks: tuple[tuple[str, str], ...], title: str | None) -> tuple[tuple[str, str], ...]:
    """Drop the headline when the body repeats it as its first block: it is the title."""
    if blocks and title and blocks[0][1].casefold() == title.casefold():
        return blocks[1:]
    return blocks


def _blocks_to_html(blocks: tuple[tuple[str, str], ...]) -> str:
    """Safe HTML for the cleaned blocks (text is escaped; only our tags are emitted)."""
    out: list[str] = []
    for i, (kind, text) in enumerate(blocks):
        escaped = htmllib.escape(text, quote=False)
        if kind == "li":
            opens = i == 0 or blocks[i - 1][0] != "li"
            closes = i + 1 == len(blocks) or blocks[i + 1][0] != "li"
            out.append(f"{'<ul>' if opens else ''}<li>{escaped}</li>{'</ul>' if closes else ''}")
        else:
            tag = {"h": "h3", "quote": "blockquote"}.get(kind, "p")
            out.append(f"<{tag}>{escaped}</{tag}>")
    return "\n".join(out)


# -- link lists ------------------------------------------------------------------------------


def prune_link_lists(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Remove containers of 3+ sibling items that are each mostly one link.

    Headline lists ("News", "Most popular stories", dated lists like seed 000's),
    menus and link footers share this shape. trafilatura's own link-density test
    works per element; a list whose items carry a date outside the link, or that
    sits beside a body written as <br>-separated text, can win over the article.
    """
    stats = _text_stats(tree)
    doomed = {
        el for el in tree.iter(*_LINK_LIST_CONTAINERS) if _is_link_list(el, stats) and not _in_running_text(el, stats)
    }
    for element in doomed:
        if element.getparent() is not None and not doomed.intersection(element.iterancestors()):
            element.drop_tree()
    return tree


def _is_link_list(container: etree._Element, stats: dict[etree._Element, tuple[int, int]]) -> bool:
    links = content = 0
    for child in container:
        total, linked = stats.get(child, (0, 0))
        if linked and total - linked <= _SHORT_TEXT:
            links += 1
        elif total > _SHORT_TEXT or linked:
            content += 1
    total, linked = stats[container]
    return links >= 3 and not content and linked >= _LINK_DENSITY * total


def _in_running_text(element: etree._Element, stats: dict[etree._Element, tuple[int, int]]) -> bool:
    """A list among the prose paragraphs is the author's ("Editors' picks", sources):
    leave it to trafilatura, which sees the whole body."""
    parent = element.getparent()
    prose = (
        sibling
        for sibling in (parent if parent is not None else ())
        if sibling.tag == "p" and stats[sibling][0] - stats[sibling][1] > _SHORT_TEXT
    )
    return next(prose, None) is not None and next(prose, None) is not None


def _text_stats(tree: etree._Element) -> dict[etree._Element, tuple[int, int]]:
    """(text, link text) length of every element, counted in non-space characters."""
    stats: dict[etree._Element, tuple[int, int]] = {}
    for element in reversed(list(tree.iter())):  # descendants before their ancestors
        if not isinstance(element.tag, str) or element.tag in _SKIPPED_TEXT:
            stats[element] = (0, 0)
            continue
        total, linked = _chars(element.text), 0
        for child in element:
            child_total, child_linked = stats[child]
            total += child_total + _chars(child.tail)
            linked += child_linked
        stats[element] = (total, total if element.tag == "a" else linked)
    return stats


def _chars(text: str | None) -> int:
    return len("".join(text.split())) if text else 0
