"""The article links of a fetched HTML page and their blocks: the records a listing is made of.

    links     same-site links, each with its URL and headline text (a card's heading)
    | blocks  the largest ancestor of each link that holds no other candidate URL
    | groups  blocks at the same place in the page (tag/class path): repeated records

Pure: an lxml tree in, frozen records out. sources/page.py decides from them whether a
page is a listing or an article.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from topicwire.extract.clean import HEADINGS, element_paragraphs, normalize_text, unspaced_script
from topicwire.extract.urls import canonicalize_url, same_site
from topicwire.values import web_url

_MIN_TEASER_WORDS = 8  # "14.11.2024 | 17:08" or "By J. Smith, 3 comments" is not a teaser
_MIN_PARAGRAPH_WORDS = 4  # of a teaser paragraph
MAX_TEASER_CHARS = 1500  # more is a stretch of article body after an inline "Read also" link
_MAX_TEXT_BEFORE_HEADLINE = 40  # a kicker or a date; a link inside prose has a sentence before
_SENTENCE_GOES_ON = ".,;:!?)»”’"  # right after the link text: it was part of a sentence
_MIN_HEADLINE_WORDS = 4
_MAX_HEADLINE_WORDS = 40
_MIN_UNSPACED_HEADLINE = 12  # characters, for scripts written without spaces (CJK, Thai)
LISTING_PATH_PARTS = frozenset(
    {"tag", "tags", "category", "categories", "author", "authors", "page", "search", "login"}
)
_LISTING_QUERY_KEYS = frozenset(
    {"page", "paged", "pg", "cat", "category", "tag", "tag_id", "author", "year", "month", "day", "m", "offset"}
    | {"start", "limit", "per_page", "sort", "order", "lang", "s", "q", "show", "from", "to", "replytocom"}
    | {"page_id", "attachment_id", "amp", "feed", "preview", "cpage", "print", "output"}  # WordPress: no story
)
NOT_PAGES = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|pdf|mp3|mp4|zip|xml|rss|css|js)$", re.I)
_SLUG_SEPARATORS = re.compile(r"[-_]")
_DIGITS = re.compile(r"\d{4,}")
_ENTRIES = frozenset({"li", "dd", "dt"})
_MAX_ENTRY_EXTRA = 40  # characters of a list entry besides its link: a date, a count
_MAX_ENTRY_ELEMENTS = 20  # elements of a list entry: a link, a date, an icon
_MIN_ENTRY_WORDS = 3
_MIN_UNSPACED_ENTRY = 4
# Whole words of a list's class or id (split at spaces, "-" and "_"): "nav-links",
# "breadcrumb", "post-navigation", "menu-main"; not "elementor-widget-container", "canvas".
_FIRST_YEAR, _LAST_YEAR = 1990, 2100  # a lone 4-digit part outside these is a post id (/2320)
_NAVIGATION_WORDS = frozenset(
    {"breadcrumb", "breadcrumbs", "crumbs", "pagination", "pager", "paging", "menu", "nav", "navigation", "navbar"}
)
# Whole class or id tokens of a sidebar's widgets (WordPress's "widget widget_recent_entries",
# "wp-block-latest-posts"); "elementor-widget-container" is a page builder's block.
_SIDEBAR_NAMES = frozenset(
    {"widget", "sidebar", "secondary", "widget-area", "widget_recent_entries", "wp-block-latest-posts"}
)
_NAME_PARTS = re.compile(r"[\s_-]+")
_FURNITURE = frozenset({"nav", "header", "footer", "aside"})
_SECTIONS = frozenset({"article", "main"})
_SECTION_OWN = frozenset({"header", "footer"})  # furniture a section may have of its own


@dataclass(frozen=True)
class Link:
    """A same-site link: its <a>, its canonical URL, its text (a card's heading's)."""

    anchor: lxml.html.HtmlElement
    url: str
    title: str


@dataclass(frozen=True)
class Teaser:
    """A link with its block (the record around it) and the block's teaser paragraphs."""

    block: lxml.html.HtmlElement
    link: Link
    paragraphs: tuple[str, ...]

    @cached_property
    def block_text(self) -> str:
        """The block's whole text, normalized (dates and bylines too)."""
        return normalize_text(" ".join(self.block.itertext()))

    @property
    def has_text(self) -> bool:
        words = sum(len(p.split()) for p in self.paragraphs)
        chars = sum(len(p) for p in self.paragraphs)
        return words >= _MIN_TEASER_WORDS and chars <= MAX_TEASER_CHARS and self.headline_stands_alone

    @property
    def headline_stands_alone(self) -> bool:
        """A teaser's headline is a line of its own, not words of a sentence in a paragraph.

        "Good morning! <a>X is stepping down</a>. He will..." (a roundup article's list)
        and a link in mid-paragraph both fail.
        """
        headline = self.link.anchor.text_content()
        before, _, after = self.block.text_content().partition(headline) if headline else ("", "", "")
        after = after.lstrip()
        continues = bool(after) and (after[0] in _SENTENCE_GOES_ON or after[0].islower())
        return len(normalize_text(before)) <= _MAX_TEXT_BEFORE_HEADLINE and not continues


# -- links -------------------------------------------------------------------------------------


def base_url(tree: lxml.html.HtmlElement, url: str) -> str:
    base = tree.find(".//base[@href]")
    return canonicalize_url(base.get("href", ""), base=url) if base is not None else url


def candidate_links(tree: lxml.html.HtmlElement, url: str) -> list[Link]:
    """Links that look like a headline pointing to an article of this site."""
    return site_links(tree, url, lambda link, _: article_like(link.url) and headline_like(link.title))


def site_links(
    tree: lxml.html.HtmlElement, url: str, keep: Callable[[Link, lxml.html.HtmlElement], bool]
) -> list[Link]:
    """Links to other pages of this site that ``keep(link, anchor)`` accepts, in page order."""
    base, page = base_url(tree, url), canonicalize_url(url)
    links = []
    for anchor in tree.iter("a"):
        link = link_of(anchor, base)
        if link and link.url != page and same_site(link.url, page) and keep(link, anchor):
            links.append(link)
    return links


def link_of(anchor: lxml.html.HtmlElement, base: str) -> Link | None:
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith("#"):
        return None
    url = web_url(canonicalize_url(href, base=base))  # controls encoded, bad ports and schemes refused
    if not url:
        return None
    heading = next(anchor.iter(*HEADINGS), None)  # a whole card wrapped in one <a>
    title = normalize_text((heading if heading is not None else anchor).text_content())
    return Link(anchor=anchor, url=url, title=title)


def article_like(url: str) -> bool:
    """A path that names one document: a slug, an id or a date, not a section or a tag."""
    path = urlsplit(url).path
    parts = [part for part in path.split("/") if part]
    if not parts or NOT_PAGES.search(path) or parts[0].lower() in LISTING_PATH_PARTS:
        return False
    slug = parts[-1].rsplit(".", 1)[0]
    return len(_SLUG_SEPARATORS.findall(slug)) >= 2 or bool(_DIGITS.search(path)) or len(slug) >= 25


def named_page(url: str) -> bool:
    """A page of the site by its path, short slugs too (``/fake-news/``): not its home, a
    file, or a tag, category, author or search page."""
    path = urlsplit(url).path
    parts = [part for part in path.split("/") if part]
    return bool(parts) and not NOT_PAGES.search(path) and parts[0].lower() not in LISTING_PATH_PARTS


def query_article(url: str) -> bool:
    """An address that names one document by its query: ``/?p=1012``, ``index.php?id=71``,
    ``/news.php?article=5`` (a key with a number), not a list's page or filter
    (``?page=2``, ``?cat=3``, ``?year=2026``)."""
    split = urlsplit(url)
    if NOT_PAGES.search(split.path):
        return False
    for pair in split.query.split("&"):
        key, _, value = pair.partition("=")
        if value.isdigit() and key.lower() not in _LISTING_QUERY_KEYS:
            return True
    return False


def outside_furniture(element: lxml.html.HtmlElement) -> bool:
    """Not inside the site's furniture: ``<nav>``, ``<header>``, ``<footer>``, ``<aside>``."""
    return not any(parent.tag in _FURNITURE for parent in element.iterancestors())


def outside_site_furniture(element: lxml.html.HtmlElement) -> bool:
    """``outside_furniture``, but a ``<header>`` or ``<footer>`` inside an ``<article>`` or
    ``<main>`` is that section's own, not the site's (WordPress's ``entry-header`` around a
    post's title)."""
    sectioned = False  # seen an <article> or <main> above the element's furniture so far
    for parent in reversed(list(element.iterancestors())):  # from the root down
        if parent.tag in _SECTIONS:
            sectioned = True
        elif parent.tag in _FURNITURE and not (sectioned and parent.tag in _SECTION_OWN):
            return False
    return True


def in_list_entry(anchor: lxml.html.HtmlElement) -> bool:
    """The link is an entry of a list (``<li>``, ``<dd>``, ``<dt>``, at most two levels up)
    that holds little but it: a date, a count, a separator (an archive's "Sun 15 May 2016 ·
    Title"), not a paragraph that links a word. The link reads as a title (3+ words, or 4+
    characters of a script without spaces), and the list is no breadcrumb, pager, menu or
    widget ("Home", "December 2026", "About")."""
    item = next((parent for parent in islice(anchor.iterancestors(), 3) if parent.tag in _ENTRIES), None)
    if item is None or not _entry_title(normalize_text(anchor.text_content())):
        return False
    if sum(1 for _ in islice(item.iter(), _MAX_ENTRY_ELEMENTS + 1)) > _MAX_ENTRY_ELEMENTS:
        return False  # a list item holding a whole section: no entry (and no text to read)
    for parent in islice(item.iterancestors(), 4):  # the entry's list and what holds it
        names = f"{parent.get('class') or ''} {parent.get('id') or ''}".lower()
        if any(part in _NAVIGATION_WORDS for part in _NAME_PARTS.split(names)) or _SIDEBAR_NAMES & set(names.split()):
            return False
    rest = normalize_text(item.text_content()).replace(normalize_text(anchor.text_content()), "", 1)
    return len(rest) <= _MAX_ENTRY_EXTRA


def _entry_title(text: str) -> bool:
    words = [word for word in text.split() if any(char.isalnum() for char in word)]
    if len(words) == 1 and unspaced_script(text):
        return sum(char.isalnum() for char in text) >= _MIN_UNSPACED_ENTRY
    return len(words) >= _MIN_ENTRY_WORDS


def first_site_link(
    tree: lxml.html.HtmlElement, url: str, keep: Callable[[Link, lxml.html.HtmlElement], bool]
) -> Link | None:
    """The first link to another page of this site that ``keep(link, anchor)`` accepts."""
    base, page = base_url(tree, url), canonicalize_url(url)
    for anchor in tree.iter("a"):
        link = link_of(anchor, base)
        if link and link.url != page and same_site(link.url, page) and keep(link, anchor):
            return link
    return None


def date_only(url: str) -> bool:
    """A date archive's path: a year, then a month and a day if any (``/2026/``,
    ``/2026/12/``, ``/2026/12/01/``); not ``/2026/12/01/73123456/``, a story by its number."""
    try:
        parts = [part for part in urlsplit(url).path.split("/") if part]
    except ValueError:
        return False
    if not 1 <= len(parts) <= 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return False
    year_ok = len(parts[0]) == 4 and _FIRST_YEAR <= int(parts[0]) <= _LAST_YEAR
    return year_ok and all(len(part) <= 2 for part in parts[1:])


def in_heading(anchor: lxml.html.HtmlElement) -> bool:
    """The link is a heading's (``<h2><a>``) or wraps one (a card: ``<a><h3>``)."""
    inside = any(parent.tag in HEADINGS for parent in anchor.iterancestors())
    return inside or next(anchor.iter(*HEADINGS), None) is not None


def headline_like(text: str) -> bool:
    words = len(text.split())
    if words == 1:
        return len(text) >= _MIN_UNSPACED_HEADLINE and not text.isascii()
    return _MIN_HEADLINE_WORDS <= words <= _MAX_HEADLINE_WORDS


def find_teasers(links: list[Link]) -> list[Teaser]:
    """Each link with its block: the largest ancestor holding no other candidate URL."""
    # Which elements hold more than one candidate URL. Not a set of URLs per element: that
    # copied a growing set into every shared ancestor per link, O(links^2) (a page of 20,000
    # same-site links took 10 s). An element holding two URLs has ancestors that do too, so
    # a walk ends at the first one already known to.
    first_url: dict[etree._Element, str] = {}
    mixed: set[etree._Element] = set()
    for link in links:
        for element in (link.anchor, *link.anchor.iterancestors()):
            if element in mixed:
                break
            if first_url.setdefault(element, link.url) != link.url:
                mixed.add(element)
    best: dict[str, Link] = {}  # per URL, the link with the longest text (not the image link)
    for link in links:
        kept = best.get(link.url)
        if kept is None or len(link.title) > len(kept.title):
            best[link.url] = link  # a replaced value keeps the key's first position
    teasers = []
    for link in best.values():
        block = link.anchor
        for parent in link.anchor.iterancestors():
            if parent.tag in ("body", "html") or parent in mixed:
                break
            block = parent
        teasers.append(Teaser(block=block, link=link, paragraphs=teaser_text(block, link)))
    return teasers


def teaser_text(block: lxml.html.HtmlElement, link: Link) -> tuple[str, ...]:
    """The block's text without the headline and other links to the article (image, "more").

    Short lines (a date, "By admin", a section label) are left out: they are not the teaser.
    """
    if block is link.anchor and next(block.iter(*HEADINGS), None) is None:
        return ()
    copy = deepcopy(block)
    for anchor in list(copy.iter("a")):
        if canonicalize_url(anchor.get("href") or "", base=link.url) != link.url:
            continue
        headings = list(anchor.iter(*HEADINGS))
        if not headings:
            anchor.drop_tree()
            continue
        for heading in headings:  # a card wrapped in one <a>: keep the text, drop the title
            heading.drop_tree()
    return tuple(p for p in element_paragraphs(copy) if len(p.split()) >= _MIN_PARAGRAPH_WORDS)


def group_teasers(teasers: list[Teaser]) -> list[list[Teaser]]:
    """Teasers whose blocks sit at the same place in the page: repeated records."""
    groups: dict[tuple[str, ...], list[Teaser]] = {}
    for teaser in teasers:
        groups.setdefault(path_signature(teaser.block), []).append(teaser)
    return list(groups.values())


def path_signature(element: etree._Element) -> tuple[str, ...]:
    """Tags and classes from the root down to ``element``; digits dropped (``item-3``)."""
    path = (element, *element.iterancestors())
    return tuple(f"{e.tag}.{re.sub(r'[0-9]+', '', e.get('class') or '')}" for e in reversed(path))


def block_grams(text: str) -> set[tuple[str, ...]]:
    """A block's runs of two, three and four words (``word_grams`` of a short paragraph)."""
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i : i + n]) for n in (2, 3, 4) for i in range(len(words) - n + 1)}


def word_grams(text: str) -> list[tuple[str, ...]]:
    """Word 4-grams of each paragraph of ``text`` (none across two: a gram spanning two
    teasers is in neither block)."""
    grams = []
    for paragraph in text.split("\n\n"):
        words = re.findall(r"\w+", paragraph.casefold())
        grams += [tuple(words[i : i + 4]) for i in range(max(len(words) - 3, 1))] if words else []
    return grams
