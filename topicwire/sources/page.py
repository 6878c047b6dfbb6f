"""A fetched HTML page as a source: a listing of teasers, or one article.

    candidate links   same-site, article-like URL, headline-like anchor text
    | blocks          the largest ancestor of each link that holds no other candidate
    | groups          blocks with the same tag/class path (repeated sibling records)
    | teaser groups   3+ blocks, most of them with text besides the headline
    | decide          listing if the teasers are the page's main text (trafilatura's
                      choice), else article
    -> ParsedSource

No per-site selectors: a sidebar of headlines (seed 000 has 15, each with a date)
has no teaser text, and "Read also" boxes with summaries are not the main text.
A source's ``link_selector`` (CSS, config key ``sources.link_selector``) overrides detection
for sites that defeat it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from topicwire.errors import ConfigError, ParseError
from topicwire.extract.article import extract_article, meta_value, page_language, parse_html
from topicwire.extract.clean import normalize_text, paragraphs_to_html
from topicwire.extract.urls import canonicalize_url
from topicwire.sources.not_article import link_share, not_article, opens_with_link
from topicwire.sources.teasers import (
    MAX_TEASER_CHARS,
    NOT_PAGES,
    Link,
    Teaser,
    base_url,
    block_grams,
    candidate_links,
    find_teasers,
    group_teasers,
    headline_like,
    link_of,
    outside_furniture,
    site_links,
    word_grams,
)
from topicwire.types import Extracted, ParsedSource, RawItem
from topicwire.values import plain_name, plain_text, web_url

MIN_TEASERS = 3
MIN_HEADLINES = 5  # a headline-only listing needs more items: menus have 3 or 4
_TEASER_SHARE = 0.5  # of a group's blocks that must carry teaser text
_MAIN_TEXT_SHARE = 0.5  # of the main text that must lie inside teaser blocks
# ...on a page whose Open Graph tags call it an article: trafilatura keeps "next story"
# teasers after a short post (boingboing.net.millenials in the corpus: 86%).
_MAIN_TEXT_SHARE_DECLARED_ARTICLE = 0.9
_MIN_LOOSE_TEASERS = 2
# Records whose links are not their headlines (a comment thread's "6 years ago" permalinks,
# reddit.com.init in the corpus: 1%) are not a listing; headlines with teasers are 15-80%.
_MIN_LISTING_LINK_SHARE = 0.15
# A list of linked headlines the extractor read past (``_listing_read_past``), measured with
# bench/listings.py (real corpus templates, a listing where their article was; designed on
# the dev half) and the 815 corpus article pages: read with the links as text, the main text
# is at least half new text from the list's blocks, that new text is at least half as long as
# the first extraction, and less than 80% of the first extraction is still in it, or the new
# text is 80% of the main text. Corpus pages: the largest share of new text is 0.67
# (traf/0b4609a864eb, which keeps all of its first text; 0.80 on one that keeps none of its
# 317 characters but whose list is shorter than half of them); listing pages: median 0.82.
_MIN_UNLINKED_SHARE = 0.5
_MIN_UNLINKED_MASS = 0.5
_MAX_KEPT_TEXT = 0.8
_MIN_UNLINKED_SHARE_KEPT = 0.8  # of new text where the first text is kept: corpus pages at most 0.67
# Records read as text at most: the rest stay links (prune.py drops them). 10,000 headline
# lines read as text made trafilatura's recall escalation run justext, whose neighbour walk
# is quadratic in a run of short paragraphs: 13 s for the second read of a 2 MB page whose
# first took 2 s (review11); bench/listings.py's listings hold at most 50 records.
_MAX_UNLINKED_TEASERS = 200


def parse_page(
    html: str, url: str, source: str, link_selector: str | None = None, *, cut: bool = False
) -> ParsedSource:
    """Classify ``html`` (fetched from ``url``) and return its items.

    An article page comes back with its extraction (``ParsedSource.article``), which the
    pipeline stores as is: ``cut`` says the page was cut to what one page may cost
    (extract/bound.py), as extract_article records it in the text's provenance."""
    tree = parse_html(html, url)
    title, language = _page_title(tree), page_language(tree)
    if link_selector:
        links = _selected_links(tree, url, compile_link_selector(link_selector))
        if not links:
            raise ParseError(url, f"link_selector {link_selector!r} matched no links")
        items = _items(find_teasers(links), source)
        return ParsedSource(kind="listing", title=title, items=items, language=language)
    candidates = find_teasers(candidate_links(tree, url))
    groups = _teaser_groups(candidates)
    article = _try_extract(html, url, cut)
    if article is None and not groups:
        groups = _headline_groups(candidates)
    share = _MAIN_TEXT_SHARE_DECLARED_ARTICLE if _declares_article(tree) else _MAIN_TEXT_SHARE
    if groups and (article is None or _teasers_are_main_text(groups, article, share)):
        teasers = _with_featured(groups, candidates)
        items = _items(sorted(teasers, key=_document_order(tree)), source)
        return ParsedSource(kind="listing", title=title, items=items, language=language)
    if article is None:
        raise ParseError(url, "neither a listing nor an article (if it lists articles, set link_selector)")
    text_links: float | None = None  # link_share of the text, read once for not_article too
    if loose := _loose_groups(tree, url):
        text_links = link_share(tree, article.text)
        linked = max(text_links, _headline_share(loose))
        # A text that opens with a record (a headline linking elsewhere) is no article that
        # records follow: half of it in the records makes it the list, declared or not.
        declared = article.declared_article and not opens_with_link(tree, url, article.text)
        loose_share = _MAIN_TEXT_SHARE_DECLARED_ARTICLE if declared else _MAIN_TEXT_SHARE
        if linked >= _MIN_LISTING_LINK_SHARE and _blocks_are_main_text(loose, article, loose_share):
            items = _items(sorted((t for g in loose for t in g), key=_document_order(tree)), source)
            return ParsedSource(kind="listing", title=title, items=items, language=language)
        if hidden := _listing_read_past(tree, url, loose, article, cut):
            items = _items(sorted((t for g in hidden for t in g), key=_document_order(tree)), source)
            return ParsedSource(kind="listing", title=title, items=items, language=language)
    if why := not_article(tree, url, article, [t for g in loose for t in g], text_links):
        raise ParseError(url, f"not stored as an article: {why} (if it lists articles, set link_selector)")
    return ParsedSource(
        kind="article",
        title=title,
        items=(_article_item(article, url, source),),
        language=article.language or language,
        article=article,
    )


# -- page --------------------------------------------------------------------------------------


def _page_title(tree: lxml.html.HtmlElement) -> str:
    title = tree.find(".//title")
    return meta_value(tree, ("og:title",)) or (normalize_text(title.text_content()) if title is not None else "")


def _declares_article(tree: lxml.html.HtmlElement) -> bool:
    """``og:type`` article with an ``article:published_time``: the publisher says "article"."""
    is_article = (meta_value(tree, ("og:type",)) or "").lower() == "article"
    return is_article and meta_value(tree, ("article:published_time",)) is not None


def _try_extract(html: str, url: str, cut: bool) -> Extracted | None:
    try:
        return extract_article(html, url, cut=cut)
    except ParseError:
        return None


def _article_item(article: Extracted, url: str, source: str) -> RawItem:
    return RawItem(
        source=source,
        url=web_url(article.canonical_url) or web_url(canonicalize_url(url)),
        title=plain_text(article.title),
        content=article.html,
        published=article.published,
        updated=article.updated,
        author=plain_name(article.author),
        language=article.language,
    )


def _document_order(tree: lxml.html.HtmlElement) -> Callable[[Teaser], int]:
    order = {element: i for i, element in enumerate(tree.iter())}
    return lambda teaser: order.get(teaser.link.anchor, 0)


# -- teasers and groups --------------------------------------------------------------------------


def _teaser_groups(teasers: list[Teaser]) -> list[list[Teaser]]:
    """Groups of 3+ blocks at the same place in the page, most of them with teaser text."""
    return [
        group
        for group in group_teasers(teasers)
        if sum(t.has_text for t in group) >= max(MIN_TEASERS, _TEASER_SHARE * len(group))
    ]


def _with_featured(groups: list[list[Teaser]], teasers: list[Teaser]) -> list[Teaser]:
    """The grouped teasers plus lone ones with text: the "featured" story above a list."""
    grouped = {id(t) for group in groups for t in group}
    return [t for t in teasers if id(t) in grouped or t.has_text]


def _headline_groups(teasers: list[Teaser]) -> list[list[Teaser]]:
    """The largest group of bare headlines, for a page with no text of its own ("Latest news")."""
    largest = max(group_teasers(teasers), key=len, default=[])
    return [largest] if len(largest) >= MIN_HEADLINES else []


def _teasers_are_main_text(groups: list[list[Teaser]], article: Extracted, share: float) -> bool:
    """Whether most of trafilatura's main text is teaser text (a listing's "body").

    Compared as word 4-grams: trafilatura may join a headline and its teaser into one
    paragraph, or split a teaser at a <br>.
    """
    teaser_grams: set[tuple[str, ...]] = set()
    for teaser in (t for group in groups for t in group):
        teaser_grams.update(word_grams(" ".join((teaser.link.title, *teaser.paragraphs))))
    grams = word_grams(article.text)
    return bool(grams) and sum(g in teaser_grams for g in grams) >= share * len(grams)


def _blocks_are_main_text(groups: list[list[Teaser]], article: Extracted, share: float) -> bool:
    """Like ``_teasers_are_main_text``, with each block's whole text (dates and bylines too):
    for short records the main text is little else.

    A paragraph of two or three words ("22.06.2026", "By Jan Kupitz") is one gram of its
    words, found in a block's runs of two and three words too: as 4-grams only, a record's
    date line on its own was never found in its block (bench/listings.py: a tag page's
    eleven dates kept it under the 90% a declared article needs)."""
    in_blocks = {g for group in groups for t in group for g in block_grams(" ".join(t.block.itertext()))}
    grams = word_grams(article.text)
    return bool(grams) and sum(g in in_blocks for g in grams) >= share * len(grams)


def _items(teasers: list[Teaser], source: str) -> tuple[RawItem, ...]:
    return tuple(
        RawItem(
            source=source,
            url=teaser.link.url,
            title=teaser.link.title,
            summary=paragraphs_to_html(teaser.paragraphs),
        )
        for teaser in teasers
    )


# -- a listing that is not an article ------------------------------------------------------------


def _loose_groups(tree: lxml.html.HtmlElement, url: str) -> list[list[Teaser]]:
    """Repeated blocks of two or more same-site links outside the site's furniture, whatever
    their URL or headline length: a short listing ("Latest: 3 links") the strict rules miss."""
    links = site_links(tree, url, lambda link, anchor: _loose_target(link) and outside_furniture(anchor))
    short = [t for t in find_teasers(links) if len(t.block_text) <= MAX_TEASER_CHARS]
    return [group for group in group_teasers(short) if len(group) >= _MIN_LOOSE_TEASERS]


def _headline_share(groups: list[list[Teaser]]) -> float:
    """The share of the blocks' text (in characters) that is headline links (4-40 words).

    What ``not_article.link_share`` measures in the extracted text, measured in the blocks: trafilatura
    may leave a listing's linked headlines out of its text and keep the teasers under them
    (a page of 20 teasers linking ``/s/12`` was stored as an article). A comment thread's
    permalinks ("6 years ago") are no headlines."""
    teasers = [t for group in groups for t in group]
    total = sum(len(t.block_text) for t in teasers)
    headlines = sum(len(t.link.title) for t in teasers if headline_like(t.link.title))
    return headlines / total if total else 0.0


def _loose_target(link: Link) -> bool:
    """A page of the site other than its home; ``/?p=1012`` (WordPress's default links,
    ``index.php?id=``) names one by its query."""
    split = urlsplit(link.url)
    page = bool(split.path.strip("/") or split.query)
    return page and not NOT_PAGES.search(split.path) and len(link.title.split()) >= 2


def _listing_read_past(
    tree: lxml.html.HtmlElement, url: str, loose: list[list[Teaser]], article: Extracted, cut: bool
) -> list[list[Teaser]]:
    """The groups of linked headlines that are the page's main text, though the extractor
    left them out: empty if there are none, or the extracted text is the page's own.

    trafilatura drops a link-dense list and returns what is left outside it (a caption, a
    cookie notice, an author box) as the article. Read again with the groups' links as
    plain text, the list becomes the main text and that scrap leaves it; an article's own
    text stays (a short video page's description beside a carousel of 24 other videos,
    traf/0b4609a864eb in the corpus, keeps all of its text)."""
    groups = [g for g in loose if sum(headline_like(t.link.title) for t in g) >= _MIN_LOOSE_TEASERS]
    block_chars = sum(len(t.block_text) for g in groups for t in g)
    if not groups or block_chars < _MIN_UNLINKED_MASS * len(article.text):  # it cannot outweigh the text
        return []
    try:
        again = extract_article(_unlinked(tree, groups), url, find_date=False, cut=cut)
    except ParseError:
        return []
    first = set(word_grams(article.text))
    grams = word_grams(again.text)
    blocks = {g for group in groups for t in group for g in word_grams(t.block_text)}
    new = sum(g in blocks and g not in first for g in grams)
    if new < _MIN_UNLINKED_SHARE * len(grams) or new < _MIN_UNLINKED_MASS * len(first):
        return []
    # The first text still there: an article beside a list, unless the list is nearly all of
    # the text (a byline or a notice next to the list: it is no article of its own).
    if new >= _MIN_UNLINKED_SHARE_KEPT * len(grams):
        return groups
    return groups if _kept_share(article.text, again.text) < _MAX_KEPT_TEXT else []


def _kept_share(first: str, again: str) -> float:
    """The share of ``first``'s word 4-grams found in ``again``, across paragraph breaks: the
    two reads may split the same text differently (under 250 characters trafilatura falls
    back to its baseline, one paragraph with the headline)."""
    kept = set(word_grams(" ".join(first.split())))
    return len(kept & set(word_grams(" ".join(again.split())))) / len(kept) if kept else 0.0


def _unlinked(tree: lxml.html.HtmlElement, groups: list[list[Teaser]]) -> str:
    """The page as HTML with the links of the groups' first ``_MAX_UNLINKED_TEASERS`` records
    made plain text (<span>); ``tree`` unchanged."""
    teasers = [t for group in groups for t in group][:_MAX_UNLINKED_TEASERS]
    anchors = [(a, a.attrib.pop("href", None)) for t in teasers for a in t.block.iter("a")]
    for anchor, _ in anchors:
        anchor.tag = "span"
    try:
        return lxml.html.tostring(tree, encoding="unicode")
    finally:
        for anchor, href in anchors:
            anchor.tag = "a"
            if href is not None:
                anchor.set("href", href)


# -- link_selector -------------------------------------------------------------------------------


def _selected_links(tree: lxml.html.HtmlElement, url: str, select: Callable[[etree._Element], list]) -> list[Link]:
    """Links chosen by the selector: the element itself if it is an <a>, else its first <a>."""
    base, links = base_url(tree, url), []
    for element in select(tree):
        anchor = element if element.tag == "a" else next(element.iter("a"), None)
        link = link_of(anchor, base) if anchor is not None else None
        if link:
            links.append(link)
    return links


def compile_link_selector(selector: str) -> Callable[[etree._Element], list]:
    """A function selecting elements by CSS (lxml's cssselect); ConfigError names a bad selector."""
    try:
        return CSSSelector(selector)
    except SelectorError as e:
        raise ConfigError(f"link_selector: {selector!r} is not a valid CSS selector ({e})") from e
