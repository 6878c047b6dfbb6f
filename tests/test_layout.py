"""A source's template learned from every block of its pages and where it sits (issue 17).

extract/layout.py keys each text block of a page by its text and its place; sitetemplate.py
counts them over a poll. The pages here are small and built in the test; what "the
extractor kept" is given as each page's paragraphs, so every case is exact: a column kept
on one page of four, a caption the extractor joined into one paragraph, an article's lede
shown as a teaser on the other pages, a quote repeated by a story's reports, and a page
whose extractor kept only the template.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

import pytest

from topicwire.extract import layout as layout_module
from topicwire.extract.article import extract_article, parse_html
from topicwire.extract.clean import normalize_text
from topicwire.extract.layout import (
    DEPTH,
    MAX_ATTR_CHARS,
    MAX_BLOCKS,
    MAX_PART_CHARS,
    Blocks,
    Layout,
    page_blocks,
    page_layout,
)
from topicwire.extract.template import Template, block_key, place_key, placed_key
from topicwire.sitetemplate import clean_poll, story_groups
from topicwire.types import Article

NOW = datetime(2026, 3, 1, tzinfo=UTC)
COLUMN = ("Harvest festival in Gyumri moved to Sunday", "Railway timetable for the winter season published")
CAPTION = ("Click to enlarge", "Source: press office of the region")
SUBJECTS = ("harvest", "railway", "schools", "bridge", "museum", "budget", "water", "roads")
QUOTE = "“We will not close the plant before the new one is ready,” the director told reporters."


def body(n: int, paragraphs: int = 4) -> list[str]:
    subject = SUBJECTS[n % len(SUBJECTS)]
    return [
        f"Story {n}, part {k}: the council of district {n} discussed the {subject} plan number {n * 11 + k} "
        f"for a long session on day {n + k}, and deputies asked for figures by spring."
        for k in range(paragraphs)
    ]


def html(paragraphs: list[str], teaser: str = "") -> str:
    column = "".join(f"<li><a href='/x'>{line}</a></li>" for line in COLUMN)
    figure = f"<figure class='photo'><span>{CAPTION[0]}</span><span>{CAPTION[1]}</span></figure>"
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    aside = f"<div class='teaser'><p>{teaser}</p></div>" if teaser else ""
    return (
        "<html><body><nav class='menu'><a href='/'>Home</a></nav>"
        f"<main><article class='post-{len(paragraphs)}'><h1>Title</h1>{figure}<div class='text'>{text}</div>"
        f"</article></main><aside class='side'><ul class='latest'>{column}</ul>{aside}</aside></body></html>"
    )


def page(n: int, shown: list[str], kept: list[str], teaser: str = "") -> tuple[Article, Layout]:
    """Page ``n`` showing ``shown`` in its article, of which the extractor kept ``kept``."""
    blocks = page_blocks(parse_html(html(shown, teaser), f"http://x/{n}"))
    text = "\n\n".join(kept)
    return Article("s", f"g{n}", f"http://x/{n}", f"T{n}", text, "", "", NOW, NOW, method="trafilatura"), page_layout(
        blocks, kept
    )


def clean(pages: list[tuple[Article, Layout]]) -> tuple[Article, ...]:
    cleaned, _ = clean_poll([a for a, _ in pages], Template("s"), [layout for _, layout in pages])
    return cleaned


def test_a_column_the_extractor_kept_on_one_page_of_four_is_template() -> None:
    pages = [page(n, body(n), body(n) + (list(COLUMN) if n == 0 else [])) for n in range(4)]
    cleaned = clean(pages)
    assert not any(line in cleaned[0].text for line in COLUMN)
    assert [a.text.split("\n\n") for a in cleaned] == [body(n) for n in range(4)]


def test_a_caption_the_extractor_joined_into_one_paragraph_is_template() -> None:
    joined = f"{CAPTION[0]}{CAPTION[1]}"  # as trafilatura writes two inline spans
    pages = [page(n, body(n), ([joined] if n == 2 else []) + body(n)) for n in range(4)]
    assert clean(pages)[2].text.split("\n\n") == body(2)


def test_a_lede_shown_as_a_teaser_on_the_other_pages_stays_in_its_article() -> None:
    lede = body(3)[0]
    pages = [page(n, body(n), body(n), teaser=lede) for n in range(3)] + [page(3, body(3), body(3))]
    assert clean(pages)[3].text.split("\n\n") == body(3)  # the lede is in the article's own place


def test_a_quote_three_reports_of_one_story_repeat_is_not_template() -> None:
    # An outlet's report and two updates: the same text with one paragraph more each time.
    reports = [
        [*body(0), QUOTE, *(f"Update {k}: the director was heard again at noon on day {k}." for k in range(u))]
        for u in range(3)
    ]
    pages = [page(n, r, r) for n, r in enumerate(reports)] + [page(n, body(n), body(n)) for n in (3, 4)]
    # One story: the paragraphs they share sit in the place where each shows its own (the
    # place alone, not the place of each text: [[0, 1], [2], ...] before).
    assert story_groups(pages, 0.5) == [[0, 1, 2], [3], [4]]
    cleaned = clean(pages)
    assert all(QUOTE in a.text and body(0)[1] in a.text for a in cleaned[:3])
    assert [a.method for a in cleaned] == ["trafilatura"] * 5  # nothing was template


def test_a_page_whose_extractor_kept_only_the_template_publishes_none_of_it() -> None:
    pages = [page(n, body(n), body(n)) for n in range(3)] + [page(3, body(3), list(COLUMN))]
    cleaned = clean(pages)
    assert cleaned[3].text == "" and cleaned[3].method == "trafilatura+template"
    assert [a.text.split("\n\n") for a in cleaned[:3]] == [body(n) for n in range(3)]


def test_a_page_of_template_alone_without_other_text_is_returned_whole() -> None:
    # Nothing else on the page: it may be an article seen under several URLs, kept whole.
    pages = [page(n, body(n), body(n)) for n in range(3)] + [page(3, [], list(COLUMN))]
    assert clean(pages)[3].text.split("\n\n") == list(COLUMN)


def polled_one_at_a_time(pages: list[tuple[Article, Layout]]) -> list[Article]:
    """Each page its own poll, as a source that publishes one item between two polls."""
    template, out = Template("s"), []
    for article, layout in pages:
        cleaned, template = clean_poll([article], template, [layout])
        out.extend(cleaned)
    return out


def test_a_story_republished_under_new_urls_across_polls_is_not_template() -> None:
    # A developing story: each poll brings a new URL carrying the earlier text and one
    # paragraph more; other stories in between. From the third version, the shared body was
    # counted on 3 pages and stripped (and re-cleaned out of the stored versions).
    update = "Update {k}: rescuers reached the village at {h} o'clock and found the bridge closed again."
    versions = [[*body(0), *(update.format(k=k, h=8 + k) for k in range(u))] for u in range(1, 6)]
    pages = [page(10 + n, v, v) for n, v in enumerate(versions)]
    others = [page(n, body(n), body(n)) for n in range(1, 4)]
    order = [pages[0], others[0], pages[1], pages[2], others[1], pages[3], pages[4], others[2]]
    cleaned = polled_one_at_a_time(order)
    kept = {a.url: a.text.split("\n\n") for a in cleaned}
    assert [kept[a.url] for a, _ in pages] == versions
    assert all(a.method == "trafilatura" for a in cleaned)


NOTICE = (
    "The views expressed in readers' letters and columns are their authors' own and not the newspaper's.",
    "Reproduction of this article in whole or in part is allowed only with a hyperlink to our site.",
)


def test_template_kept_beside_each_single_page_poll_is_still_learned() -> None:
    # The counter case: a column the extractor kept on every page and two notices printed
    # where the body sits (the body's own place, prose), one page per poll, pages that repeat
    # no story: from the third page on they are template.
    pages = [page(n, [*body(n), *NOTICE], [*body(n), *NOTICE, *COLUMN]) for n in range(5)]
    cleaned = polled_one_at_a_time(pages)
    assert [any(line in a.text for line in (*COLUMN, *NOTICE)) for a in cleaned] == [True, True, False, False, False]
    assert [a.text.split("\n\n") for a in cleaned[2:]] == [body(n) for n in range(2, 5)]


DISCLAIMER = (
    "The views expressed by contributors are their own and not the views of the publisher; the publisher "
    "accepts no liability for any loss arising from the use of this content, which is provided for general "
    "information only and is not advice of any kind, and may not be reproduced without written permission."
)


def test_a_notice_in_the_body_place_of_every_brief_of_every_poll_becomes_template() -> None:
    # Polls of 4 briefs, each with the notice where its body is. A poll's briefs are one
    # story group (their own text is mostly the notice), whose text holds the notice 4 times:
    # repeated() counted 4 repeated paragraphs (REPEAT_MIN is 2) and it was never learned.
    template = Template("s")
    for poll in range(4):
        shown = [[*body(n, 1), DISCLAIMER] for n in range(poll * 4, poll * 4 + 4)]
        pages = [page(n, paragraphs, paragraphs) for n, paragraphs in enumerate(shown, poll * 4)]
        cleaned, template = clean_poll([a for a, _ in pages], template, [layout for _, layout in pages])
    assert [a.text.split("\n\n") for a in cleaned] == [body(n, 1) for n in range(12, 16)]


def test_a_story_republished_unchanged_then_updated_keeps_its_text() -> None:
    # Three copies of one story under new URLs (nothing new on them), then its update. Each
    # copy was counted (repeated() judged only pages with a paragraph of their own), so the
    # body was template from the third copy: the copies were kept whole (strip keeps a page
    # that is all template), but the update lost all of it but its new paragraph.
    update = "Update 1: rescuers reached the village at nine o'clock and found the bridge closed again after the storm."
    copies = [page(10 + k, body(0), body(0)) for k in range(3)]
    others = [page(n, body(n), body(n)) for n in range(1, 4)]
    updated = page(20, [*body(0), update], [*body(0), update])
    cleaned = polled_one_at_a_time([copies[0], others[0], copies[1], others[1], copies[2], others[2], updated])
    assert cleaned[-1].text.split("\n\n") == [*body(0), update]
    assert [a.method for a in cleaned] == ["trafilatura"] * 7


BRIEF_NOTICES = (
    "Subscribe to our morning newsletter and get the most important news of the region delivered to your "
    "inbox every day.",
    "Comments are moderated and will appear after review; please keep the discussion civil and on the topic "
    "of the article.",
)


def test_two_prose_notices_under_one_paragraph_briefs_one_a_poll_become_template() -> None:
    # (review) The notices are 57% of each brief's prose: a republished story repeats far
    # more of itself (REPEAT_SHARE), so these are counted on every page and learned.
    pages = [page(n, [*body(n, 1), *BRIEF_NOTICES], [*body(n, 1), *BRIEF_NOTICES]) for n in range(8)]
    cleaned = polled_one_at_a_time(pages)
    assert [a.text.split("\n\n") for a in cleaned[2:]] == [body(n, 1) for n in range(2, 8)]


def test_a_disclaimer_in_the_body_place_of_a_polls_briefs_makes_no_story_of_them() -> None:
    # (review) A 60-word disclaimer where each one-paragraph brief's body is: their own text
    # was mostly the disclaimer, so all 4 were one "story" and it counted once a poll; it is
    # on every page of the poll (COMMON_SHARE), so it is the site's, and the first poll
    # already strips it.
    pages = [page(n, [*body(n, 1), DISCLAIMER], [*body(n, 1), DISCLAIMER]) for n in range(4)]
    assert story_groups(pages, 0.5) == [[0], [1], [2], [3]]
    assert [a.text.split("\n\n") for a in clean(pages)] == [body(n, 1) for n in range(4)]


def test_a_huge_class_or_id_attribute_makes_a_bounded_place() -> None:
    """A hostile page's 1 MB class (or id) made each place under it that long, and each label
    an entry of that size in a cache of 4,096 kept for the daemon's life (review of issue 16)."""
    huge = " ".join(f"c{n}x" for n in range(250_000))  # ~1.2 MB of distinct class names
    doc = f"<html><body><div class='{huge}' id='{huge}'><p>{body(1)[0]}</p><p>{body(1)[1]}</p></div></body></html>"
    blocks = page_blocks(parse_html(doc, "http://x/1"))
    assert [text for text, _ in blocks] == body(1)[:2]
    assert max(len(place) for _, place in blocks) <= DEPTH * (2 * MAX_ATTR_CHARS + 20)
    assert blocks == page_blocks(parse_html(doc, "http://x/2"))  # the same page, the same places


# -- the cost of placing the extractor's paragraphs in the page's blocks -------------------------


def _layout_by_scanning(blocks: Blocks, paragraphs: list[str]) -> Layout:
    """page_layout as it was before its index (c5be3c6): each paragraph compared with every
    block. The reference the indexed matching must agree with, entry for entry."""
    folded = [text.casefold() for text, _ in blocks]
    starts: dict[str, list[int]] = {}
    for i, text in enumerate(folded):
        starts.setdefault(text[:8], []).append(i)
    single = {block_key(text) for text, _ in blocks}
    joined: dict[tuple[str, str], tuple[str, str, int, str]] = {}
    for paragraph in paragraphs:
        key, text = block_key(paragraph), normalize_text(paragraph).casefold()
        if len(paragraph) > MAX_PART_CHARS or key in single:
            continue
        held = [i for i, block in enumerate(folded) if text in block] if len(text.split()) >= 3 else []
        for i in _joined_by_scanning(text, folded, starts) or held:
            block, place = blocks[i]
            at = placed_key(block_key(block), place)
            joined.setdefault((key, at), (key, at, block.count(" ") + 1, place_key(place)))
    return (*page_layout(blocks), *joined.values())


def _joined_by_scanning(text: str, folded: list[str], starts: dict[str, list[int]]) -> range:
    for n in range(1, 9):
        for first in starts.get(text[:n], ()):
            rest, i = text, first
            while i < len(folded) and rest.startswith(part := folded[i]):
                rest, i = rest[len(part) :].lstrip(), i + 1
                if not rest:
                    return range(first, i) if i - first > 1 else range(0)
    return range(0)


def _random_page(rng: random.Random) -> tuple[Blocks, list[str]]:
    """A few blocks of a few short words (shared prefixes, case, "ß" that folds to "ss") and
    paragraphs that join some of them, are part of one, or are neither."""
    words = ("a", "ab", "Abc", "line", "numb", "er", "x", "SS", "ß", "the", "cap,", "tion", "linenumb")
    blocks = tuple(
        (" ".join(rng.choices(words, k=rng.randint(1, 5))), rng.choice(("p", "div p", "li")))
        for _ in range(rng.randint(1, 12))
    )
    paragraphs = []
    for _ in range(rng.randint(1, 8)):
        first = rng.randrange(len(blocks))
        block = blocks[first][0]
        start = rng.randrange(len(block))
        paragraphs.append(
            rng.choice(
                (
                    rng.choice((" ", "")).join(text for text, _ in blocks[first : first + rng.randint(2, 5)]),
                    normalize_text(block[start : rng.randint(start + 1, len(block))]),
                    " ".join(rng.choices(words, k=rng.randint(1, 8))),
                )
            )
        )
    return blocks, paragraphs


@pytest.mark.parametrize("seed", range(4))
def test_paragraphs_are_placed_as_a_scan_of_every_block_places_them(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        blocks, paragraphs = _random_page(rng)
        assert page_layout(blocks, paragraphs) == _layout_by_scanning(blocks, paragraphs), (blocks, paragraphs)


def _lines_run(path: str, call: Callable[[], object], limit: int) -> int:
    """The lines of the module at ``path`` that ``call`` runs (loops count each pass): work
    counted, not timed. Past ``limit`` the call is stopped and the count is ``limit + 1``."""
    count = 0

    def on_line(frame: FrameType, event: str, arg: object) -> object:
        nonlocal count
        if event == "line":
            count += 1
            if count > limit:
                raise _TooMuchWork
        return on_line

    sys.settrace(lambda frame, event, arg: on_line if frame.f_code.co_filename == path else None)
    try:
        call()
    except _TooMuchWork:
        pass
    finally:
        sys.settrace(None)
    return count


class _TooMuchWork(Exception):
    pass


def test_placing_many_distinct_paragraphs_is_linear_in_them() -> None:
    """A hostile page of many distinct short paragraphs, the first MAX_BLOCKS of them its
    blocks: each of the others was compared with every block (a 2 MB page, 26 s)."""
    lines = [f"Line number {i} with some words in it." for i in range(MAX_BLOCKS + 5_000)]
    blocks = tuple((line, "article p") for line in lines[:MAX_BLOCKS])
    paragraphs = [*lines, f"{lines[7]} {lines[8]}", "number 9 with some words", "it. line number 10"]
    # About 45 lines a paragraph with the index; compared with every block, thousands.
    work = _lines_run(layout_module.__file__, lambda: page_layout(blocks, paragraphs), limit=200 * len(paragraphs))
    assert work <= 200 * len(paragraphs)
    placed = page_layout(blocks, paragraphs)
    assert placed == _layout_by_scanning(blocks, paragraphs)
    assert len(placed) == len(page_layout(blocks)) + 3  # blocks 7 and 8 joined, block 9 holding a part


def test_past_its_budget_the_layout_places_fewer_paragraphs_and_none_in_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past _SCAN_BUDGET a paragraph is placed in all its blocks or in none (a paragraph is
    template when all its parts are), the page's blocks are all there, and the article's
    text is the same."""
    rng = random.Random(7)
    pages = [_random_page(rng) for _ in range(300)]
    whole = [page_layout(blocks, paragraphs) for blocks, paragraphs in pages]
    monkeypatch.setattr(layout_module, "_SCAN_BUDGET", 60)
    cut = [page_layout(blocks, paragraphs) for blocks, paragraphs in pages]
    assert any(len(a) < len(b) for a, b in zip(cut, whole, strict=True))
    for (blocks, _), less, more in zip(pages, cut, whole, strict=True):
        assert set(page_layout(blocks)) <= set(less) <= set(more)
        placed = {entry[0] for entry in less}
        assert [e for e in more if e[0] in placed] == list(less)
    doc = f"<html><body><article>{''.join(f'<p>{p}</p>' for p in body(1, 8))}</article></body></html>"
    monkeypatch.setattr(layout_module, "_SCAN_BUDGET", 0)
    budgeted = extract_article(doc, "http://x/1")
    monkeypatch.undo()
    assert budgeted.text == extract_article(doc, "http://x/1").text
