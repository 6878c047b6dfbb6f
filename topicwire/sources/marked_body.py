"""The element a page marks as its article body, and whether it holds a list instead.

A listing built on an article template keeps the template's markup: its records sit in
the element whose class or id names the article body (``entry-content``,
``article-body``, ``<article>``, ...). trafilatura drops such a list of links and returns
a scrap from elsewhere on the page as the article: a cookie or affiliate notice, a menu, a
sidebar's teasers. That scrap is not in the marked body, and the list is.

The body is the first element with text that trafilatura's first body XPath matches
(``trafilatura.xpaths.BODY_XPATH[0]``: ``itemprop=articleBody``, classes and ids such as
``entry-content``, ``article-body``, ``post-content``), on its cleaned tree
(``tree_cleaning``: scripts, forms, nav and footer elements gone). Its later XPaths are
guesses (the first ``<article>``, ``id=primary``, ``main``): on corpus articles they
found a related-story card, a sidebar and a navigation box. Pure: an lxml tree in, a
verdict out; ``tree`` unchanged.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass

import lxml.html
from trafilatura.htmlprocessing import tree_cleaning
from trafilatura.settings import Extractor
from trafilatura.xpaths import BODY_XPATH

from topicwire.sources.teasers import Teaser, base_url, link_of, word_grams

# Measured with bench/listings.py (listing pages on 40 real corpus templates, designed on the
# dev half) and the 815 article pages of ../shared/corpus/pages: a marked body holding 2+ of
# the page's repeated same-site link records and under half of the extracted text refuses
# 6 of 69 dev and 12 of 56 held-out listing pages then stored as articles, no control
# article and no corpus article. With all of BODY_XPATH: 12 dev, 18 held out, and 4 corpus
# articles refused (a 281-link navigation box with id=primary, a related-story <article>).
MIN_RECORDS = 2
MAX_TEXT_INSIDE = 0.5
_OPTIONS = Extractor()
_ARTICLE_CONTENT = BODY_XPATH[0]


@dataclass(frozen=True)
class MarkedBody:
    """What the marked body holds: records of the page's lists, and the share of the
    extracted text's word 4-grams found in its text."""

    records: int
    text_inside: float

    @property
    def holds_list(self) -> bool:
        return self.records >= MIN_RECORDS and self.text_inside < MAX_TEXT_INSIDE


def marked_body(tree: lxml.html.HtmlElement, url: str, records: list[Teaser], text: str) -> MarkedBody | None:
    """The marked body's content against ``records`` (the page's repeated link records) and
    ``text`` (the extracted article's), or None if the page marks no body."""
    cleaned = tree_cleaning(deepcopy(tree), _OPTIONS)
    body = next((element for element in _ARTICLE_CONTENT(cleaned) if _has_text(element)), None)
    if body is None:
        return None
    base = base_url(tree, url)
    inside = {link.url for link in (link_of(anchor, base) for anchor in body.iter("a")) if link}
    held = len(inside & {teaser.link.url for teaser in records})
    body_grams = set(word_grams(" ".join(" ".join(body.itertext()).split())))
    grams = word_grams(" ".join(text.split()))
    share = sum(gram in body_grams for gram in grams) / len(grams) if grams else 1.0
    return MarkedBody(records=held, text_inside=share)


def _has_text(element: lxml.html.HtmlElement) -> bool:
    return any(part.strip() for part in element.itertext())
