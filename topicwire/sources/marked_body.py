"""The element a page marks as its article body, and whether it holds a list instead.

A listing built on an article template keeps the template's markup: its records sit in
the element whose class or id names the article body (``entry-content``,
``article-body``, ``<article>``, ...). trafilatura drops such a list of links and returns
a scrap from elsewhere on the page as the article: a cookie or affiliate notice, a menu, a
sidebar's teasers. That scrap is not in the marked body, and the list is.

The body is an element with text whose name marks article content (``itemprop=articleBody``,
classes and ids such as ``entry-content``, ``article-body``, ``post-content``: trafilatura
2.3's first body XPath, ``trafilatura.xpaths.BODY_XPATH[0]``, copied here so that another
trafilatura release cannot change which pages are refused), on trafilatura's cleaned tree
(``tree_cleaning``: scripts, forms, nav and footer elements gone). The first such element
holds a list when it holds 2+ records and under half the extracted text, and no other
marked element holds half of the text and under 2 records (a box of related stories
classed ``related-post-content`` before the article's own ``entry-content``: trafilatura's
XPath keeps only the first of siblings and saw the box alone). It holds one too when the
text runs across two marked elements, neither inside the other (a category page showing
its posts in full, each a ``class="post"`` under its linked title, whose extraction took
the end of one post and the start of the next). The first is the first, not the one with most records: a page
whose body is not marked may mark each related-story card (lacuarta.com's 15, some with 2
links). The first 20 with text are read, those after the first within 30,000 elements: a
cost bound. trafilatura's later XPaths are
guesses (the first ``<article>``, ``id=primary``, ``main``): on corpus articles they
found a related-story card, a sidebar and a navigation box. Pure: an lxml tree in, a
verdict out; ``tree`` unchanged.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from itertools import islice

import lxml.etree
import lxml.html
from trafilatura.htmlprocessing import tree_cleaning
from trafilatura.settings import Extractor

from topicwire.sources.teasers import Teaser, base_url, link_of, word_grams

# Measured with bench/listings.py (listing pages on 40 real corpus templates, designed on the
# dev half) and the 815 article pages of ../shared/corpus/pages: a marked body holding 2+ of
# the page's repeated same-site link records and under half of the extracted text refuses
# 6 of 69 dev and 12 of 56 held-out listing pages then stored as articles, no control
# article and no corpus article. With all of BODY_XPATH: 12 dev, 18 held out, and 4 corpus
# articles refused (a 281-link navigation box with id=primary, a related-story <article>).
MIN_RECORDS = 2
MAX_TEXT_INSIDE = 0.5
MAX_BODIES = 20  # marked elements read: a page of 5,000 "post-content" cards costs no more
MIN_SPLIT_SHARE = 0.2  # of the text, in each of two marked elements: the text runs across them
MAX_OTHER_ELEMENTS = 30_000  # elements of the marked bodies after the first, read at most
_LINKED_HEADING = lxml.etree.XPath(
    "boolean(.//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6][.//a[@href]])"
)
_OPTIONS = Extractor()
_ARTICLE_CONTENT = lxml.etree.XPath(
    ".//*[self::article or self::div or self::main or self::section]["
    "@class='post' or @class='entry' or @itemprop='articleBody' or @id='articleContent' or "
    "re:test(@id, '(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text') or "
    "re:test(@class, 'post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|"
    "article-?text|articleText|(?:entry|page|text|article|art)-content|article__content|article(?:-|__)?body|"
    "articleBody|ArticleContent|body-text|article__container')]",
    namespaces={"re": "http://exslt.org/regular-expressions"},
)


@dataclass(frozen=True)
class MarkedBody:
    """What the first marked body holds: records of the page's lists and the share of the
    extracted text's word 4-grams found in its text; whether another marked element holds
    half the text and under ``MIN_RECORDS`` records; how many marked elements, neither
    inside another, the text runs across (``_parts``)."""

    records: int
    text_inside: float
    text_elsewhere: bool = False
    holding_text: int = 1

    @property
    def holds_list(self) -> bool:
        if self.records < MIN_RECORDS:
            return False
        return self.holding_text >= 2 or (self.text_inside < MAX_TEXT_INSIDE and not self.text_elsewhere)


def marked_body(tree: lxml.html.HtmlElement, url: str, records: list[Teaser], text: str) -> MarkedBody | None:
    """The marked bodies' content against ``records`` (the page's repeated link records) and
    ``text`` (the extracted article's), or None if the page marks no body."""
    cleaned = tree_cleaning(deepcopy(tree), _OPTIONS)
    bodies = list(islice((element for element in _ARTICLE_CONTENT(cleaned) if _has_text(element)), MAX_BODIES))
    if not bodies:
        return None
    base = base_url(tree, url)
    targets = {teaser.link.url for teaser in records}
    grams = word_grams(" ".join(text.split()))
    distinct = set(grams)
    held: list[tuple[int, float]] = []
    covers: dict[lxml.html.HtmlElement, set[tuple[str, ...]]] = {}
    budget = MAX_OTHER_ELEMENTS
    for n, body in enumerate(bodies):
        if n:  # the first is always read; the others within a budget of elements
            size = sum(1 for _ in islice(body.iter(), budget + 1))
            if size > budget:
                break
            budget -= size
        inside = {link.url for link in (link_of(anchor, base) for anchor in body.iter("a")) if link}
        body_grams = set(word_grams(" ".join(" ".join(body.itertext()).split())))
        share = sum(gram in body_grams for gram in grams) / len(grams) if grams else 1.0
        held.append((len(inside & targets), share))
        if share >= MIN_SPLIT_SHARE and _LINKED_HEADING(body):
            covers[body] = distinct & body_grams  # a post under its own linked title
    outermost = [body for body in covers if not any(other in covers for other in body.iterancestors())]
    records_first, share_first = held[0]
    return MarkedBody(
        records=records_first,
        text_inside=share_first,
        text_elsewhere=any(share >= MAX_TEXT_INSIDE and n < MIN_RECORDS for n, share in held[1:]),
        holding_text=_parts(distinct, [covers[body] for body in outermost]),
    )


def _parts(distinct: set[tuple[str, ...]], covers: list[set[tuple[str, ...]]]) -> int:
    """How many posts (marked elements under a linked heading of their own) the text runs
    across: 2 when together they hold a fifth of its grams more than the one holding most
    (the end of one post and the start of the next; an article's body split in two around
    an advertisement has no linked heading in either part),
    else 1 (one element, or copies of one text: a page that repeats its article body
    three times, as businessinsider.com's infinite scroll does)."""
    if len(covers) < 2 or not distinct:
        return 1
    most = max(len(cover) for cover in covers)
    together = len(set().union(*covers))
    return 2 if (together - most) / len(distinct) >= MIN_SPLIT_SHARE else 1


def _has_text(element: lxml.html.HtmlElement) -> bool:
    return any(part.strip() for part in element.itertext())
