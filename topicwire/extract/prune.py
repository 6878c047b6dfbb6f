"""Boilerplate removed from the page tree before trafilatura sees it (in place, pure).

trafilatura judges one element at a time; the shapes here are judged by their
siblings (a list of headline links) or their markup (a photo credit), which it
cannot see or does not look for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import lxml.html
from lxml import etree

Stats = dict[etree._Element, tuple[int, int]]  # element -> (text, link text) in non-space characters
_SHORT_TEXT = 40  # non-space characters: a date, a time, a view counter, a bullet
_LINK_DENSITY = 0.6  # of a link list's text inside its links
_LINK_LIST_CONTAINERS = ("ul", "ol", "dl", "div", "section", "aside", "nav", "table", "tbody", "td", "menu")
# <noscript> counts: Blogger serves the whole post there (trafilatura reads it too).
_SKIPPED_TEXT = frozenset({"script", "style", "template"})
_TEASER_MAX = 200  # a one-line link teaser, not a paragraph that happens to cite a lot
_TEASER_LABEL = 30  # "Read more:", "À lire aussi »", "VEA TAMBIÉN:"
_MARKED_TAGS = ("p", "div", "span", "small", "section", "aside", "figcaption", "em", "i")
# Lower case, searched in a lowered name (_marks); the same ignoring case for the others.
_CREDIT = re.compile(r"caption|credit|copyright|(?:image|img|photo|foto|bild)-?(?:desc|annot|info|source)")
_CREDIT_ANY_CASE = re.compile(_CREDIT.pattern, re.I)
_CREDIT_MAX = 200
_PROMO = re.compile(r"newsletter|promo|subscri|sign-?up")
_PROMO_ANY_CASE = re.compile(_PROMO.pattern, re.I)
_PROMO_MAX = 400
# "sidebar", "side-bar", "sidebar-right", "side_col", "sideColumn", "mainSidebar", "sidebox": a
# class or id word naming the element a sidebar; "has-sidebar", "content-with-sidebar",
# "sidebar-layout", "sidebar-left-active" name a layout or a state around the article instead.
_SIDEBAR = re.compile(r"(?<![a-z])side[-_]?(?:bar|col|column|box)(?![a-z])")
_LAYOUT_WORD = re.compile(r"(?:^|[-_])(?:has|no|with|without|show|hide)[-_]|wrap|wrp|layout|container|page|active")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_SIDEBAR_TAGS = ("td", "th")  # trafilatura already drops the others it names a sidebar
_HEADLINE_ITEMS = 3  # blocks that open with a link: a list of headlines (with teasers or not)
_ITEM_TAGS = ("p", "li", "div", "tr", "dd")
_ARTICLE_TAGS = ("h1", "article", "main")
# The rules prune_page applies, by name. bench/extraction.py --ablate takes one out to
# measure what it adds and what it cuts (precision and recall, dev and held-out split).
RULES: frozenset[str] = frozenset({"link_lists", "link_teasers", "marked_boilerplate", "sidebars", "layout_cells"})


def prune_page(tree: lxml.html.HtmlElement, elements: Sequence[etree._Element] | None = None) -> int:
    """Remove link lists, link teasers, marked credits and promos, the sidebar and layout
    cells beside a table layout's story from ``tree``; return the text size of what is
    left (non-space characters). ``elements``: ``list(tree.iter())``, when the caller holds
    it (article.extract_article does; listing the page again cost 0.11 ms of a page's 1 ms here)."""
    stats = _text_stats(elements if elements is not None else list(tree.iter()))
    doomed: set[etree._Element] = set()
    for name, rule in _RULE_FUNCTIONS:
        if name in RULES:
            doomed.update(rule(tree, stats))
    left = stats[tree][0]
    for element in doomed:
        if element.getparent() is not None and not doomed.intersection(element.iterancestors()):
            left -= stats[element][0]
            element.drop_tree()
    return left


def _link_lists(tree: lxml.html.HtmlElement, stats: Stats) -> Iterator[etree._Element]:
    """Containers of 3+ sibling items that are each mostly one link.

    Headline lists ("News", "Most popular stories", dated lists like seed 000's),
    menus and link footers share this shape. trafilatura's own link-density test
    works per element; a list whose items carry a date outside the link, or that
    sits beside a body written as <br>-separated text, can win over the article.
    """
    for element in tree.iter(*_LINK_LIST_CONTAINERS):
        if _is_link_list(element, stats) and not _in_running_text(element, stats):
            yield element


def _link_teasers(tree: lxml.html.HtmlElement, stats: Stats) -> Iterator[etree._Element]:
    """A short paragraph that is a link to another article, at most behind a label:
    "Read more: <a>...</a>", "Lesen Sie auch: <a>...</a>", "LE PUEDE INTERESAR: <a>...</a>".

    Newsrooms drop these between the paragraphs of the body, where trafilatura keeps them
    (trafilatura eval set: F1 +.002 on the dev split, 10 such snippets gone; held out: .000).
    """
    for paragraph in tree.iter("p"):
        total, linked = stats[paragraph]
        if 0 < total <= _TEASER_MAX and linked >= total / 2 and total - linked <= _TEASER_LABEL:
            yield paragraph


def _marked_boilerplate(tree: lxml.html.HtmlElement, stats: Stats) -> Iterator[etree._Element]:
    """Small elements whose class or id names them a photo credit or caption, or a
    newsletter or subscription box: "© Getty Images", "Sign up to our newsletter".

    The size caps keep a wrapper that reuses such a name ("caption" on an article
    container) out of it: a credit is a line, a promo a few. trafilatura eval set, dev
    split: credits F1 +.002, promos +.001; held out: .000 and -.001 (one snippet).
    """
    # A page repeats a few hundred names over its elements: each is searched once (issue 17:
    # the searches, case-insensitive alternations, were most of this rule's 0.8 ms a page).
    named: dict[str, tuple[bool, bool]] = {}  # name -> (a credit's, a promo's)
    for element in tree.iter(*_MARKED_TAGS):
        size = stats[element][0]
        if size > _PROMO_MAX:  # too big for either; _CREDIT_MAX is the smaller
            continue
        name = f"{element.get('class') or ''} {element.get('id') or ''}"
        if len(name) < 3:
            continue
        if (kind := named.get(name)) is None:
            kind = named[name] = _marks(name)
        credit, promo = kind
        if (credit and size <= _CREDIT_MAX) or promo:
            yield element


def _marks(name: str) -> tuple[bool, bool]:
    """Whether a class and id ``name`` names a credit, a promo. An ASCII name (all but 9 of
    28,257 distinct names on the corpus pages) is lowered and searched as it is: ignoring
    case matches the same in ASCII, and a search that heeds case skips ahead to the letters
    a word starts with (0.28 -> 0.08 ms a page)."""
    if name.isascii():
        name = name.lower()
        return _CREDIT.search(name) is not None, _PROMO.search(name) is not None
    return _CREDIT_ANY_CASE.search(name) is not None, _PROMO_ANY_CASE.search(name) is not None


def _sidebars(tree: lxml.html.HtmlElement, stats: Stats) -> Iterator[etree._Element]:
    """Table cells named a sidebar by a class or id word that hold a list of headlines.

    trafilatura drops ``class="sidebar"`` only on div, section, p, span and lists; a table
    layout's ``<td class="sidebar">`` of headlines with teasers stays in its text, and may
    hold more text than the article beside it. Kept: a layout or state word
    ("has-sidebar", "content-with-sidebar"), a cell holding the headline, an <article> or
    <main>, and a cell whose blocks do not open with links (the article in a cell that
    merely carries the word).
    """
    for element in tree.iter(*_SIDEBAR_TAGS):
        name = _CAMEL.sub(r"\1-\2", f"{element.get('class') or ''} {element.get('id') or ''}").lower()
        if not any(_SIDEBAR.search(w) and not _LAYOUT_WORD.search(w) for w in name.split()):
            continue
        if next(element.iter(*_ARTICLE_TAGS), None) is None and _lists_headlines(element, stats):
            yield element


def _layout_cells(tree: lxml.html.HtmlElement, stats: Stats) -> Iterator[etree._Element]:
    """A table layout around the article: the cells and rows beside the headline's cell.

    Old regional sites put the story in one cell and weather, currency, polls, comment
    rules, ads and link lists in the cells and rows around it, as plain ``<br>`` lines
    that no class names and no link density gives away (issue 17). From the cell holding
    the page's <h1>, up through every enclosing layout cell, a sibling cell or row is
    dropped when it holds no headline, <article> or <main> and less than half the
    headline cell's own (non-link) text: the story's cell outweighs its furniture, and a
    body in the row below a headline-only row outweighs the headline.
    """
    headline = next((h for h in tree.iter("h1") if _cell_of(h) is not None), None)
    cell = _cell_of(headline) if headline is not None else None
    if cell is None:
        return
    story = stats[cell][0] - stats[cell][1]
    while cell is not None:
        row = cell.getparent()
        if row is None or row.tag != "tr":
            return
        beside = [c for c in row if c is not cell] + [r for r in _rows_beside(row) if r is not row]
        for element in beside:
            if isinstance(element.tag, str) and next(element.iter(*_ARTICLE_TAGS), None) is None:
                if stats[element][0] - stats[element][1] < story / 2:
                    yield element
        cell = _cell_of(row)


_RULE_FUNCTIONS = (
    ("link_lists", _link_lists),
    ("link_teasers", _link_teasers),
    ("marked_boilerplate", _marked_boilerplate),
    ("sidebars", _sidebars),
    ("layout_cells", _layout_cells),
)


def _cell_of(element: etree._Element) -> etree._Element | None:
    return next((a for a in element.iterancestors() if a.tag in _SIDEBAR_TAGS), None)


def _rows_beside(row: etree._Element) -> list[etree._Element]:
    """The rows of ``row``'s table (through a <tbody>, <thead> or <tfoot>).

    Read from the table's children, not ``table.iter("tr")``: that walks every nested
    table's rows too, once per enclosing level, and a page of 60 nested cells around an
    <h1> over 90,000 inner rows took 9 s here (levels x rows)."""
    section = row.getparent()
    table = section.getparent() if section is not None and section.tag in _ROW_GROUPS else section
    if table is None:
        return []
    groups = [table, *(child for child in table if child.tag in _ROW_GROUPS)]
    return [r for group in groups for r in group if r.tag == "tr"]


_ROW_GROUPS = ("tbody", "thead", "tfoot")


def _lists_headlines(element: etree._Element, stats: Stats) -> bool:
    total, linked = stats[element]
    if total and linked >= _LINK_DENSITY * total:
        return True
    opening = sum(1 for b in element.iter(*_ITEM_TAGS) if not (b.text or "").strip() and len(b) and b[0].tag == "a")
    return opening >= _HEADLINE_ITEMS


def _is_link_list(container: etree._Element, stats: Stats) -> bool:
    total, linked = stats[container]
    # A container's link text is its children's (a container is no <a>): without enough of
    # it no child can make a link list, so most containers are answered without reading
    # their children (issue 17).
    if not linked or linked < _LINK_DENSITY * total:
        return False
    links = content = 0
    for child in container:
        total, linked = stats.get(child, (0, 0))
        if linked and total - linked <= _SHORT_TEXT:
            links += 1
        elif total > _SHORT_TEXT or linked:
            content += 1
    return links >= 3 and not content


def _in_running_text(element: etree._Element, stats: Stats) -> bool:
    """A list among the prose paragraphs is the author's ("Editors' picks", sources):
    leave it to trafilatura, which sees the whole body."""
    parent = element.getparent()
    prose = (
        sibling
        for sibling in (parent if parent is not None else ())
        if sibling.tag == "p" and stats[sibling][0] - stats[sibling][1] > _SHORT_TEXT
    )
    return next(prose, None) is not None and next(prose, None) is not None


def _text_stats(elements: Sequence[etree._Element]) -> Stats:
    """(text, link text) length of every element of ``elements`` (a page's, in document
    order), counted in non-space characters."""
    stats: Stats = {}
    # Every element of the page passes here: its tag is read once (lxml makes a new str each
    # time), a leaf starts no loop over children.
    for element in reversed(elements):  # descendants before their ancestors
        tag = element.tag
        if tag in _SKIPPED_TEXT or not isinstance(tag, str):
            stats[element] = (0, 0)
            continue
        total, linked = _chars(element.text), 0
        if len(element):
            for child in element:
                child_total, child_linked = stats[child]
                total += child_total + _chars(child.tail)
                linked += child_linked
        stats[element] = (total, total if tag == "a" else linked)
    return stats


def _chars(text: str | None) -> int:
    # Most texts and tails of a page are indentation: isspace() answers without a copy.
    return len("".join(text.split())) if text and not text.isspace() else 0
