"""Main text and metadata of one article page (pure: HTML string in, Extracted out).

    parse HTML once (lxml)
    | page metadata        meta.read_meta: canonical URL, title, author, dates, language
    | layout               every text block of the page and its place (the source's template
                           is learned from them: layout.py)
    | prune                link lists, link teasers, credits, promos (in place; prune.py)
    | trafilatura          main-text body tree, balanced mode (recall when short: trafilatura's
                           own escalation)
    | blocks               paragraphs, headings, list items, quotes, table rows
    | clean_blocks         whitespace, invisible characters, repeated paragraphs
    | interior prose       prose the pruning cut from between kept paragraphs, put back
                           (interior.py)
    | stray lines          a short line alone at its place in the page, no heading, dropped
                           (stray.py)
    | lead                 the standfirst trafilatura dropped, put back first (lead.py)
    | trim                 the headline repeated among the first blocks; what closes the text without
                           being part of it: a dangling heading or label, calls to action
    | tail box             a small box after the article, in places of its own, dropped (tail.py)
    | htmldate             only when the markup declares no publication date
    -> Extracted (with provenance: where each field came from)

Page metadata written by the publisher wins over guesses: htmldate can read a CSS
cache-buster such as ``style.css?20240301`` as the publication day (it does on the
fixture listing page), so it is asked last. trafilatura's own metadata pass is off: it
ran htmldate on every page, and turning it off took the chain from 1.32x to 1.05x the
time of bare trafilatura (bench/extraction.py), for the same dates on the eval set's
506 dated pages (430 vs 432 on the same day).
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from configparser import ConfigParser
from copy import deepcopy
from dataclasses import dataclass
from itertools import islice

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import DEFAULT_CONFIG, Document

from topicwire.errors import ParseError
from topicwire.extract.clean import HEADINGS, clean_blocks, normalize_text, unspaced_script
from topicwire.extract.finddate import find_page_date
from topicwire.extract.interior import with_interior_prose
from topicwire.extract.justext_linear import ORIGINAL as _JUSTEXT  # noqa: F401  (justext's context pass, linear)
from topicwire.extract.labels import without_related_labels
from topicwire.extract.layout import page_blocks, page_layout
from topicwire.extract.lead import find_lead
from topicwire.extract.meta import meta_value, page_language, read_meta
from topicwire.extract.prune import prune_page
from topicwire.extract.shape import bound_tree, within_bounds
from topicwire.extract.stray import without_stray_lines
from topicwire.extract.tail import without_tail_box
from topicwire.extract.textruns import PATCHED as _PATCHED  # noqa: F401  (trafilatura's strip_tags, text merged)
from topicwire.types import Extracted

# sources/page.py reads listing pages with the same helpers.
__all__ = ["extract_article", "meta_value", "page_language", "parse_html"]

# trafilatura's mode, measured with bench/extraction.py on ../shared/corpus (696 annotated
# trafilatura-eval pages, snippet P/R/F1; 119 Zyte news pages, mean shingle F1), the whole
# chain around it, dev split [held-out split], F1 and (recall):
#   balanced everywhere (chosen)                       eval .945 (.955) [.952 (.951)] | Zyte .970 (.986) [.959 (.972)]
#   precision on declared news articles (until 12-04)  eval .948 (.955) [.951 (.948)] | Zyte .977 (.986) [.964 (.973)]
#   bare trafilatura.extract (default settings)        eval .915 (.943) [.931 (.952)] | Zyte .955 (.988) [.926 (.971)]
# Precision mode drops <header>s, elements named "bottom" or "link", bordered boxes and short
# link-dense blocks: on news pages that is mostly footers, but also question subheadings,
# short paragraphs and "card" paragraphs of the body. Its gain held out shows on the Zyte
# set only, and it cuts recall on both held-out splits (eval .951 -> .948); on the
# maintainers' unseen pages the chain's recall fell .017 below bare's, and a cut paragraph
# is a missed topic match (issue 17). Balanced everywhere also saves the second pass that
# short precision results needed (median time 1.29x -> 1.22x bare's). What precision mode
# dropped on news pages is left to the chain's own rules (closing notices, the tail box,
# stray lines, link lists) and, for furniture a source repeats, to its template
# (bench/outlets.py: 0 template lines published after the first poll in either mode, with
# templates that declare news).
INCLUDE_TABLES = True
# The chain's own rules, by name (prune.RULES names those applied before trafilatura).
# bench/extraction.py --ablate takes one out to measure what it adds and what it cuts
# (precision and recall on both page sets, dev and held-out split).
RULES: frozenset[str] = frozenset(
    {"lead", "title_heading", "closing", "interior_prose", "stray_lines", "tail_box", "related_labels"}
)
_MIN_TEXT_CHARS = 40  # less is a menu item or a cookie notice, not an article
_SHORT_TEXT_CHARS = 40  # the retry's MIN_EXTRACTED_SIZE (_without_page_dump)
_SHORT_TEXT_CONFIG = deepcopy(DEFAULT_CONFIG)
_SHORT_TEXT_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(_SHORT_TEXT_CHARS))
_DUMP_MIN_LINES = 3
_DUMP_SHARE = 0.9  # of the one paragraph's lines, whole text nodes of the page
_DUMP_MIN_LINKS = 2  # lines that are a link's whole text: a menu, related headlines
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)|[。！？]")
_SENTENCE_WORDS = 6
_UNSPACED_SENTENCE = 20  # characters of a sentence written without spaces (CJK, Thai)
_PROSE_LINE = 80  # characters of a dump's line that may be an article's paragraph
_DUMP_MAX_NODES = 5000  # text nodes, links and headings compared: a cost bound
_LABEL_CHARS = 40  # "Weitere Informationen zum Coronavirus in Thüringen:" is 51
_BLOCK_TAGS = ("p", "head", "list", "quote", "table", "code")
# As trafilatura parses a string: with comments left in the tree it loses text after
# them (Zyte benchmark: recall .98 -> .97, two pages lose half their body).
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)


def _html_class_lookup() -> etree.ElementNamespaceClassLookup:
    """lxml.html's element classes (FormElement for <form>, ... HtmlElement for the rest),
    looked up in C. lxml makes an element's Python object whenever a walk reaches one
    that has none, and lxml.html's own lookup is a Python method (HtmlElementClassLookup):
    about 3,500 calls a corpus page, most of them in trafilatura's walks of its copies of
    the tree (copies keep the parser, so they keep its lookup). The same classes by name
    and node type, so every element gets the class it got before; callgrind over 82 corpus
    pages: 2.4% fewer instructions for extract_article, output identical on all 815."""
    by_type = etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
    lookup = etree.ElementNamespaceClassLookup(by_type)
    # The HTML parser writes tag names in lower case, as lxml.html's lookup reads them.
    lookup.get_namespace(None).update(lxml.html.HtmlElementClassLookup._default_element_classes)
    return lookup


_PARSER.set_element_class_lookup(_html_class_lookup())
# Calls to action and rights notices that close an article: subscribe, sign up, follow us,
# get our app, "for the full story", copyright and reprint lines, in the corpus languages.
# Imperatives at a sentence start, first person and fixed phrases only: a story's own last
# line may well say "subscribers receive", "follow the motorcade on foot", "the council's
# newsletter", "written consent" or "download the NHS app". trafilatura eval set: F1 +.003 on
# the dev split and +.002 held out; Zyte +.001. (Photo credits, comment counters and
# embed-consent lines as well: dev +.002, held .000, so not kept.)
_START = r"(?:^|[.!?:] )"
_CLOSING_NOTICE = re.compile(
    rf"{_START}(?:please )?subscribe\b|\bplease subscribe\b|subscribe (?:now|today|here)\b|already a subscriber"
    rf"|{_START}(?:please )?sign up (?:here|now|today)\b|\bour newsletter\b|\bzum newsletter\b"
    rf"|{_START}follow (?:us|the [\w-]+(?: [\w-]+){{0,2}}) on (?:twitter|facebook|instagram|x|linkedin|tiktok|youtube)"
    r"|download (?:our|the [\w-]+) apps? (?:for|on|from) (?:ios|android|iphone|the app store|google play)"
    r"|to (?:view|read|see) the full story|for the full story"
    r"|click here to (?:subscribe|sign up|register)\b"
    r"|all rights reserved|[©ⓒ]|무단 ?전재|copyright(?:ed)? ?(?::|©|\(c\)|\d{4})|copyrighted property"
    r"|(?:article|content|material|story|text)s? (?:may|must|can) not be (?:reproduced|reprinted|republished)"
    r"|reproduction (?:in whole|is prohibited|prohibited)"
    r"|(?:reprint|reproduc|republish)\w* .{0,80}written (?:permission|consent)"
    r"|written (?:permission|consent) .{0,80}(?:reprint|reproduc|republish)"
    r"|\babonnez\b|\bjetzt (?:abonnieren|anmelden|registrieren)\b|\blire la suite\b|\bsuscr[ií]bete\b"
    r"|\bhazte miembro\b|\bregístrate\b",
    re.I,
)
_HEADLINE_BLOCKS = 2  # where a body repeats the headline: first, or after a kicker or a URL line
_NOTICE_CHARS = 300  # a line or two; a paragraph of the story that names a newsletter is longer
_NOTICES_MAX = 3  # closing blocks looked at
# Characters XML cannot hold: libxml2's HTML parser keeps them in the tree, then
# lxml refuses them on the first .text/.tail write (drop_tree) with ValueError.
# Browsers show U+0000 as U+FFFD and the other C0 controls as nothing (fuzz, issue 7).
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Real pages have next to none of those; random or compressed bytes decode to
# ~11% of them (29 of 256 byte values). Binary served as text/html is refused
# rather than "extracted" into noise (issue 7, hostile servers).
_BINARY_SHARE = 0.03
_BINARY_SCAN_CHARS = 4096


def extract_article(html: str, url: str, *, find_date: bool = True, cut: bool = False) -> Extracted:
    """Main text and metadata of the article page ``html`` fetched from ``url``.

    ``find_date=False`` skips htmldate's search on pages that declare no date (about
    100 ms a page) when the caller has a date already (the feed entry's). ``cut``: the
    page was cut to what one page may cost (bound.py); the text's provenance says so, as
    it does when the tree is cut (shape.py)."""
    tree, cut_tree, elements = _parse_bounded(html, url)
    cut = cut or cut_tree
    meta = read_meta(tree, url)  # before pruning: the pruned tree lacks some bylines and dates
    # htmldate too reads the whole page (it searches a copy): on the pruned tree it took a
    # related story's date or a copyright year on 6 eval dev pages (bench/metadata.py).
    found_date = find_page_date(tree, url) if meta.published is None and find_date else None
    page = page_blocks(tree)  # the whole page, what the extractor keeps or not (issue 17)
    prune_page(tree, elements)
    del elements
    doc = _checked(_without_page_dump(tree, url, _run_trafilatura(tree, url)), url)
    blocks = clean_blocks(_body_blocks(doc.body))
    if "interior_prose" in RULES:
        blocks = with_interior_prose(blocks, page)
    if "stray_lines" in RULES:
        blocks = without_stray_lines(blocks, page)
    if "related_labels" in RULES:
        blocks = without_related_labels(blocks)
    if "title_heading" in RULES:
        blocks = _drop_title_heading(blocks, _headlines(tree, meta.title, blocks))
    if "lead" in RULES:
        blocks = _with_lead(blocks, tree)
    if "closing" in RULES:
        blocks = _drop_closing(blocks)
    if "tail_box" in RULES:
        blocks = without_tail_box(blocks, page)
    if sum(len(text) for _, text in blocks) < _MIN_TEXT_CHARS:
        raise ParseError(url, "no main text found")
    text_origin = "trafilatura:balanced:cut" if cut else "trafilatura:balanced"
    published, provenance = meta.published or found_date, meta.provenance + (("text", text_origin),)
    if found_date is not None:
        provenance += (("published", "htmldate"),)
    return Extracted(
        text="\n\n".join(text for _, text in blocks),
        html=_blocks_to_html(blocks),
        title=meta.title,
        author=meta.author,
        published=published,
        updated=meta.updated,
        language=meta.language,
        canonical_url=meta.canonical_url,
        method="trafilatura",
        provenance=provenance,
        declared_article=meta.news_article,
        layout=page_layout(page, [text for _, text in blocks]),
    )


def parse_html(html: str, url: str) -> lxml.html.HtmlElement:
    """The page as an lxml tree, bounded for the extractor (shape.py: cut past
    ``MAX_ELEMENTS`` elements, no element of more than ``MAX_CHILDREN`` children);
    ParseError if it is empty or not HTML at all."""
    return _parse_bounded(html, url)[0]


def _parse_bounded(html: str, url: str) -> tuple[lxml.html.HtmlElement, bool, list[etree._Element]]:
    """``parse_html``'s tree, whether shape.py had to cut it, and its elements
    (``tree.iter()``) as a list."""
    head = html[:_BINARY_SCAN_CHARS]
    if len(_NOT_XML_CHARS.findall(head)) > _BINARY_SHARE * len(head):
        raise ParseError(url, "binary content, not an HTML page")
    html = _NOT_XML_CHARS.sub("", html)
    if not html.strip():
        raise ParseError(url, "empty page")
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as e:  # ValueError: str with an encoding declaration
        try:
            tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
        except (etree.ParserError, ValueError):
            raise ParseError(url, "not an HTML page") from e
    # lxml makes an element's Python object when a walk reaches it (a class lookup, in Python
    # for lxml.html trees) unless one is alive (etree.pyx, _elementFactory), and frees it when
    # the walk has passed. Layout and prune each walk every element: one list keeps the objects
    # for both, 0.5 ms a page less (A/B over 300 corpus pages; a page takes about 20 ms); prune
    # counts the page's text over it, and it tells most pages within shape.py's bounds without
    # the XPath scans of bound_tree.
    elements = list(tree.iter())
    if within_bounds(tree, elements):
        return tree, False, elements
    cut = bound_tree(tree)
    return tree, cut, list(tree.iter())


def _checked(doc: Document | None, url: str) -> Document:
    if doc is None or doc.body is None:  # trafilatura returns None when it finds no text
        raise ParseError(url, "no main text found")
    return doc


def _run_trafilatura(tree: lxml.html.HtmlElement, url: str, config: ConfigParser = DEFAULT_CONFIG) -> Document | None:
    """trafilatura's body tree of ``tree`` in its balanced mode, which retries in recall mode
    by itself when the result is short. ``tree`` is left as it is (bare_extraction copies it)."""
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,  # meta.read_meta reads the markup; htmldate only when it finds no date
        include_comments=False,
        include_tables=INCLUDE_TABLES,
        config=config,
    )
    return doc if isinstance(doc, Document) else None  # a dict only with as_dict=True


def _without_page_dump(tree: lxml.html.HtmlElement, url: str, doc: Document | None) -> Document | None:
    """``doc``, or, when it is trafilatura's last resort for a short text (the page's text
    nodes, one line each, in one paragraph: the site's name, its menu and related headlines
    around a brief of one sentence), its main extractor's own short text if that has
    ``_MIN_TEXT_CHARS`` and it leaves out less prose than it keeps (lines of
    ``_PROSE_LINE`` characters that are no link and no heading: an article the main
    extractor missed but for a fragment stays whole, furniture and all). trafilatura
    rescues a text under ``MIN_EXTRACTED_SIZE`` (250) characters with its baseline, whose
    last tier takes the whole (cleaned) page; a topic would match the brief through its menu
    and sidebar. The retry asks for ``_SHORT_TEXT_CHARS`` only, so the baseline is not
    called; it runs on such pages only."""
    if doc is None or doc.body is None or not _one_paragraph_of_lines(doc.body):
        return doc
    page = _PageTexts.of(tree)
    dump = _dump_lines(doc.body, page)
    if not dump:
        return doc
    retry = _run_trafilatura(tree, url, _SHORT_TEXT_CONFIG)
    if retry is None or retry.body is None or _dump_lines(retry.body, page):
        return doc
    text = " ".join(" ".join(retry.body.itertext()).split())
    left_out = (line for line in dump if line not in text)
    prose = sum(len(line) for line in left_out if len(line) >= _PROSE_LINE and line not in page.furniture)
    return retry if len(text) >= _MIN_TEXT_CHARS and _has_sentence(text) and prose <= len(text) else doc


def _has_sentence(text: str) -> bool:
    """A sentence of 6+ words (or 20+ characters of a script without spaces) that ends in a
    full stop, or a run of 12+ words: prose, not a dateline or a byline ("02.02.2022 10:16
    Uhr - 1. Bundesliga - PM Vereine, red")."""
    pieces = _SENTENCE_END.split(text)
    for n, piece in enumerate(pieces):
        words = len(piece.split())
        closed = n < len(pieces) - 1
        if (closed and words >= _SENTENCE_WORDS) or words >= 2 * _SENTENCE_WORDS:
            return True
        if closed and unspaced_script(piece) and len("".join(piece.split())) >= _UNSPACED_SENTENCE:
            return True
    return False


@dataclass(frozen=True)
class _PageTexts:
    """A page's text nodes, link texts and heading texts, whitespace normalized (the first
    ``_DUMP_MAX_NODES`` of each: a cost bound)."""

    nodes: frozenset[str]
    links: frozenset[str]
    headings: frozenset[str]

    @property
    def furniture(self) -> frozenset[str]:
        return self.links | self.headings

    @classmethod
    def of(cls, tree: lxml.html.HtmlElement) -> _PageTexts:
        body = tree.find(".//body")
        if body is None:
            return cls(frozenset(), frozenset(), frozenset())
        nodes = islice((text for part in body.itertext() if (text := " ".join(part.split()))), _DUMP_MAX_NODES)
        links = islice((" ".join(a.text_content().split()) for a in body.iter("a")), _DUMP_MAX_NODES)
        headings = islice((" ".join(h.text_content().split()) for h in body.iter(*HEADINGS)), _DUMP_MAX_NODES)
        return cls(frozenset(nodes), frozenset(links), frozenset(headings))


def _one_paragraph_of_lines(body: etree._Element) -> bool:
    children = list(body)
    return len(children) == 1 and children[0].tag == "p" and not len(children[0]) and "\n" in (children[0].text or "")


def _dump_lines(body: etree._Element, page: _PageTexts) -> list[str]:
    """The lines of ``body`` if it is a page dump: one paragraph of 3+ lines, nearly each a
    whole text node of the page, two or more a link's whole text (a menu); else []. A
    JSON-LD ``articleBody`` of paragraphs joined by newlines links none."""
    if not _one_paragraph_of_lines(body):
        return []
    lines = [text for line in (body[0].text or "").split("\n") if (text := " ".join(line.split()))]
    if len(lines) < _DUMP_MIN_LINES or sum(line in page.nodes for line in lines) < _DUMP_SHARE * len(lines):
        return []
    return lines if sum(line in page.links for line in lines) >= _DUMP_MIN_LINKS else []


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


def _headlines(tree: lxml.html.HtmlElement, title: str | None, blocks: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """The page's title and the text of its <h1> elements, casefolded: what a body that
    opens with the headline repeats. An <h1> longer than each of the first ``blocks`` is
    none of them (casefolding makes no text shorter), and is not read whole: <h1>s nested
    240 deep around 1.5 MB of text took 3.5 s to read, each all of it."""
    longest = max((len(text.casefold()) for _, text in blocks[:_HEADLINE_BLOCKS]), default=0)
    found = {text.casefold() for h1 in tree.iter("h1") if (text := _text_within(h1, longest)) is not None}
    if title:
        found.add(title.casefold())
    found.discard("")
    return frozenset(found)


def _text_within(element: etree._Element, limit: int) -> str | None:
    """``normalize_text`` of the element's text (its pieces joined by spaces), or None if that
    is longer than ``limit``: as soon as a start of it is (a prefix of a text never normalizes
    longer than the text), checked each time the text read doubles."""
    pieces: list[str] = []
    size, check, texts = 0, 2 * limit + 2, element.itertext()
    while chunk := list(islice(texts, 256)):
        before, size = len(pieces), size + sum(map(len, chunk)) + len(chunk)
        pieces += chunk
        if size > check:
            # The pieces before this chunk are shorter than ``check`` together; a huge piece
            # of the chunk is read as far as ``check`` only.
            start = " ".join([*pieces[:before], *(piece[:check] for piece in chunk)])
            if len(normalize_text(start[:check])) > limit:
                return None
            check = 2 * size
    text = normalize_text(" ".join(pieces))
    return text if len(text) <= limit else None


def _drop_title_heading(blocks: tuple[tuple[str, str], ...], headlines: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Drop the headline where the body repeats it among its first blocks (after a kicker
    or a dateline, say): it is the title, which the article carries on its own."""
    return tuple(
        block for i, block in enumerate(blocks) if i >= _HEADLINE_BLOCKS or block[1].casefold() not in headlines
    )


def _with_lead(blocks: tuple[tuple[str, str], ...], tree: lxml.html.HtmlElement) -> tuple[tuple[str, str], ...]:
    """The article's lead first, when trafilatura left it out (lead.py says why it does)."""
    lead = find_lead(tree, blocks[0][1]) if blocks else None
    # Nothing twice: not a lead the body has, nor one that holds a paragraph of the body.
    if lead is None or any(lead in text or (len(text) >= _LABEL_CHARS and text in lead) for _, text in blocks):
        return blocks
    return (("p", lead),) + blocks


def _drop_closing(blocks: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Drop what ends the text without being part of it, in any order: a heading or a short
    label ("Mehr Themen:", "Schon gelesen?") whose list of links was pruned, and up to
    ``_NOTICES_MAX`` calls to action or rights notices. The end is found first and the
    blocks cut once: cut one at a time, 100,000 headings at the end took 32 s (hostile 2 MB page)."""
    notices, end = 0, len(blocks)
    while end > 1:
        kind, text = blocks[end - 1]
        if kind == "h" or (len(text) <= _LABEL_CHARS and text[-1] in ":?"):
            end -= 1
        elif notices < _NOTICES_MAX and len(text) <= _NOTICE_CHARS and _CLOSING_NOTICE.search(text):
            end, notices = end - 1, notices + 1
        else:
            break
    return blocks[:end]


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
