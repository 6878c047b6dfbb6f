"""A source's template (extract/template.py) applied to its pages, a poll at a time (issue 17).

    clean_poll(articles, template)        learn every page of the poll, then strip each one
    reclean_plan(template, stored, poll)  the source's stored articles that hold a block
                                          that has just become template, cleaned

A poll's pages are all fetched and extracted before any of them is saved, so each is
stripped with a template that knows every page of the poll: a new source's first pages
lose the weather widget they share as its later pages do. A block seen on one page only is
still never stripped: it is template only once ``MIN_PAGES`` distinct pages carry it, so
other pages always carry it too.

Pages of one story count as one page: within a poll, near-duplicate pages are learned as
one (``story_groups``); across polls, a page whose body is mostly paragraphs the source
showed before, with or without some of its own, is a story republished under a new URL (a
developing story's updates, a wire copy's "UPDATE 2"), and its shared paragraphs are not
counted again (``repeated``). Counted, they became template from the story's third version
and were stripped from it and from the stored earlier ones.

A source whose shared block first appears in a later poll (or on fewer than ``MIN_PAGES``
of the first poll's pages) has stored articles that kept it and were matched with it.
When a block crosses the threshold, those articles are cleaned too (``reclean_plan``), and
pipeline.py saves them like an edit: text, signatures and topics decided again, the
entry id and story kept.

Pure: templates and articles in, articles out; pipeline.py reads and writes the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

from topicwire.dedup.compare import as_article
from topicwire.dedup.near import shingles, similarity
from topicwire.extract.clean import paragraphs_to_html, summarize
from topicwire.extract.layout import Layout
from topicwire.extract.template import (
    MIN_PAGES,
    Template,
    block_key,
    holds_any,
    learn,
    missed_article,
    placements,
    settle,
    strip,
    template_blocks,
    unsettled,
)
from topicwire.types import Article, StoredArticle

# Stored articles read, newest first, when the template grew. Older ones have mostly left
# the feeds (output.max_items); reading them all would make one poll of a big source slow.
RECLEAN_SCAN = 500
# Articles re-cleaned in one poll at most (each is an UPDATE and a topic re-match inside
# the poll's transaction); the rest wait for the next polls (the template stays unsettled).
RECLEAN_MAX = 100
SAME_STORY = 0.5  # [dedup] similarity's default: the pipeline passes the configured one
# A page repeats an earlier story when, of its body's prose (paragraphs of PROSE_WORDS or
# more), at least REPEAT_SHARE of the words are in paragraphs the source showed before, in
# at least REPEAT_MIN of them. Prose only: a column or widget the extractor kept where the
# body sits (a table layout's plain cells share one place) is short lines, and must still
# be learned on pages that repeat nothing. Two thirds: about what a Jaccard similarity of
# 0.5 (SAME_STORY, the story desk's) asks of two pages of one size; an update repeats far
# more (4 paragraphs of 5), while two prose notices (a newsletter line, a comment rule)
# under a one-paragraph brief are 57% of it and must still be learned (review).
PROSE_WORDS = 15
REPEAT_SHARE = 2 / 3
REPEAT_MIN = 2
# Within a poll of 3 or more pages, a paragraph on this share of its pages or more is the
# site's, never a story's own text: a disclaimer printed where each short brief's body is
# made every page of a poll one "story" (review), so the disclaimer counted once a poll.
COMMON_SHARE = 0.8
_NOT_PAGES = ("feed", "teaser")  # text from the feed entry: no page template in it
_MARK = "+template"


@dataclass(frozen=True)
class Recleaned:
    """A stored article with the template blocks it kept removed."""

    uid: str
    story_id: str
    article: Article  # the stored article, its text, html and summary cleaned
    topics: tuple[str, ...]  # the topics it was in before


def from_page(method: str) -> bool:
    """Was the text extracted from the article's page (where a site template lives)?"""
    return method.split("+", 1)[0] not in _NOT_PAGES


def clean_poll(
    articles: Sequence[Article],
    template: Template,
    layouts: Sequence[Layout] = (),
    same_story: float = SAME_STORY,
) -> tuple[tuple[Article, ...], Template]:
    """Every page of the poll learned first, then each stripped with what all of them taught.

    ``layouts``: each article's page layout (extract/layout.py), in order; none given, the
    pages are learned from their text alone. Pages of one story (``story_groups``: Jaccard
    >= ``same_story``) count as one page."""
    pages = list(zip(articles, layouts or [()] * len(articles), strict=True))
    learned = [i for i, (a, _) in enumerate(pages) if from_page(a.method)]
    for group in story_groups([pages[i] for i in learned], same_story):
        members = [pages[learned[i]] for i in group]
        text = tuple(p for a, _ in members for p in paragraphs(a.text))
        layout = tuple(block for _, lay in members for block in lay)
        urls = [a.url for a, _ in members]
        if again := repeated(template, text, layout):  # most pages repeat nothing: no second keying
            text = tuple(p for p in text if block_key(p) not in again)
            layout = tuple(block for block in layout if block[0] not in again)
        template = learn(template, text, urls[0], layout=layout, same_story=urls[1:])
    return tuple(strip_article(a, template, lay) if from_page(a.method) else a for a, lay in pages), template


def story_groups(pages: Sequence[tuple[Article, Layout]], same_story: float) -> list[list[int]]:
    """Indexes of ``pages`` by story: pages whose own text is a near-duplicate (Jaccard of
    word 5-shingles >= ``same_story``, the story desk's rule) are one group."""
    keyed = [[(p, block_key(p)) for p in paragraphs(a.text)] for a, _ in pages]
    # On how many pages each paragraph's key is: a page's key held by no other page counts
    # once. Each page's paragraphs are keyed once (keying every other page's again for each
    # page was a fifth of a 20-page poll's CPU in bench/scale.py).
    pages_with = Counter(key for page in keyed for key in {k for _, k in page})
    if len(pages) >= MIN_PAGES:
        common = {key for key, n in pages_with.items() if n >= COMMON_SHARE * len(pages)}
        keyed = [[(p, k) for p, k in page if k not in common] for page in keyed]
    layouts = [layout for _, layout in pages]
    grams = [shingles(" ".join(own_text(page, lay, pages_with))) for page, lay in zip(keyed, layouts, strict=True)]
    group = list(range(len(pages)))
    for i, j in combinations(range(len(pages)), 2):
        if similarity(grams[i], grams[j]) >= same_story:
            _join(group, i, j)
    found: dict[int, list[int]] = {}
    for i in range(len(pages)):
        found.setdefault(_root(group, i), []).append(i)
    return list(found.values())


def own_text(page: Sequence[tuple[str, str]], layout: Layout, pages_with: Counter[str]) -> list[str]:
    """The paragraphs of a page (each with its ``block_key``) shown where its article's body
    is: in a place (extract/layout.py) that shows a paragraph no other page of the poll has
    (``pages_with``: on how many of the poll's pages each key is). Template the extractor
    kept sits elsewhere (a sidebar, a menu), and would make unrelated pages near-copies: it
    did on bench/outlets.py's pages, where the extractor kept a shop's whole template. A
    story's quote repeated in its reports sits in the body. All paragraphs when the page
    has no layout, or none of its places shows such a paragraph."""
    where = placements(layout, places=True)
    body = frozenset(place for _, key in page if pages_with[key] == 1 for place in where.get(key, ()))
    return [p for p, key in page if where.get(key, frozenset()) & body] if body else [p for p, _ in page]


def repeated(template: Template, text: Sequence[str], layout: Layout) -> frozenset[str]:
    """The keys of ``text``'s body paragraphs the source showed before, when the page
    repeats an earlier story (see ``REPEAT_SHARE``); none otherwise. The body is where
    the page shows a paragraph the source never showed (``own_text``); a page with no such
    paragraph is all body: a story republished unchanged repeats itself (counted, its third
    copy made it template, and its next update lost it), while a page whose extractor kept
    only the template (short lines, no prose) still teaches it."""
    counts = dict(template.blocks)
    # Each paragraph once: a story group's pages (clean_poll) all carry the paragraphs they
    # share, and one notice repeated by 4 briefs of a poll was 4 repeated paragraphs.
    page = [(p, key) for key, p in {block_key(p): p for p in text}.items()]
    shown = Counter({key: 1 + counts.get(key, 0) for _, key in page})
    doomed, own = template_blocks(template), set(own_text(page, layout, shown))
    body = [(p, key) for p, key in page if key not in doomed and p in own]
    prose = [(len(p.split()), key) for p, key in body if len(p.split()) >= PROSE_WORDS]
    again = [(words, key) for words, key in prose if shown[key] > 1]
    if len(again) < REPEAT_MIN or sum(w for w, _ in again) < REPEAT_SHARE * sum(w for w, _ in prose):
        return frozenset()
    return frozenset(key for _, key in body if shown[key] > 1)


def _root(group: list[int], i: int) -> int:
    while group[i] != i:
        group[i] = group[group[i]]
        i = group[i]
    return i


def _join(group: list[int], i: int, j: int) -> None:
    group[_root(group, j)] = _root(group, i)


def strip_article(article: Article, template: Template, layout: Layout = ()) -> Article:
    """``article`` without its source's template blocks (itself when it has none)."""
    before = paragraphs(article.text)
    if missed_article(template, before, layout):
        # Its template is all the extractor found: no text beats furniture deciding topics.
        return _with_paragraphs(article, ())
    kept = strip(template, before, places=placements(layout))
    return article if len(kept) == len(before) else _with_paragraphs(article, kept)


def apply_template(article: Article, template: Template) -> tuple[Article, Template]:
    """One page at a time: strip what earlier pages share, then learn this one.

    The pipeline cleans whole polls (``clean_poll``); bench/dedup_set.py places single
    pages and keeps this older order.
    """
    stripped = strip_article(article, template)
    return stripped, learn(template, paragraphs(article.text), article.url)


def reclean_plan(
    template: Template, stored: Iterable[StoredArticle], poll_urls: frozenset[str]
) -> tuple[tuple[Recleaned, ...], Template]:
    """The stored articles (of the template's source, newest first) holding a block that is
    template now and was not when they were cleaned; and the template, settled if that
    is all of them. Articles of this poll (``poll_urls``) are saved with the poll instead."""
    blocks = unsettled(template)
    if not blocks:
        return (), template
    out: list[Recleaned] = []
    for s in stored:
        if not from_page(s.method) or s.url in poll_urls:
            continue
        before = paragraphs(s.text)
        if not holds_any(before, blocks):
            continue
        kept = strip(template, before)
        if len(kept) == len(before):
            continue  # nothing else left: strip keeps such a page whole
        if len(out) == RECLEAN_MAX:
            return tuple(out), template  # more next poll: the template stays unsettled
        out.append(Recleaned(s.uid, s.story_id, _with_paragraphs(_article(s), kept), s.topics))
    return tuple(out), settle(template)


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n\n"))


def _with_paragraphs(article: Article, kept: Sequence[str]) -> Article:
    text = "\n\n".join(kept)
    marked = article.method.endswith(_MARK)
    method = article.method if marked else article.method + _MARK
    provenance = tuple((k, v + _MARK if k == "text" and not v.endswith(_MARK) else v) for k, v in article.provenance)
    return replace(
        article, text=text, html=paragraphs_to_html(kept), summary=summarize(text), method=method, provenance=provenance
    )


def _article(s: StoredArticle) -> Article:
    # An update keeps the stored guid key; only the text keys are written.
    return replace(as_article(s), guid="", provenance=s.provenance)
