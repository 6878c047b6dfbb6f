"""Prose the extractor cut from inside the article, put back (pure: blocks in, blocks out).

trafilatura judges one element at a time, and on pages unlike the ones it was tuned on
its pruning takes real paragraphs out of the middle of a body: a paragraph in a "card"
wrapper with one link, a sentence in a box whose style names a border or a class "link"
(issue 17: on the maintainers' unseen Zyte pages the chain's recall fell .017 below bare
trafilatura's). The page's own blocks (layout.page_blocks, read before any pruning) tell
where: a block of prose that lies between two kept paragraphs, in the very place (element
and ancestors, as layout names it) where kept paragraphs sit, is part of the same body.

Prose: 10+ words ending as a sentence does, not a teaser cut short with "...".
bench/extraction.py, the rule's effect in one run (P / R / F1): trafilatura eval dev
-.0005 / +.0007 / .0000, held out +.0001 / +.0016 / +.0009; Zyte dev +.0002 / +.0013 /
+.0007, held out .0000 / +.0050 / +.0024 (news pages read in precision mode, which cut
most of what it puts back). With every page in balanced mode (2026-12-04): eval dev -.001
/ +.001 / .000, held out .000 / +.002 / +.001; Zyte dev .000 / +.001 / .000, held out .000.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

Blocks = tuple[tuple[str, str], ...]
_MIN_WORDS = 10  # a sentence, not a label, a date line or a button
_ANCHOR_CHARS = 20  # a page block this long found in the kept text places it in the page
# Ends as a sentence does, a closing quote or bracket allowed after the stop.
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’»)\]]*$")
_CUT_SHORT = ("...", "…")  # a teaser's truncated line, not a sentence
_PROBE = 24  # characters of a block's start, middle and end looked for in the kept text
# Page blocks x kept characters searched at most; past it only a block equal to a kept
# paragraph places it. At the budget, the worst shape (2,500 blocks of 12 words, none of
# them kept, 19 KB kept) took 95 ms on the shared 2-core machine under load; a median
# corpus page is ~140 blocks x ~5 KB. layout.MAX_BLOCKS caps the blocks at 2,500.
_SCAN_BUDGET = 50_000_000


def with_interior_prose(blocks: Blocks, page: Sequence[tuple[str, str]]) -> Blocks:
    """``blocks`` with each prose block of ``page`` ((text, place) in page order) that lies
    between two kept blocks, at a place of a kept block, put after the kept block before
    it. A page block is kept when its text is in the kept text (spaces aside)."""
    squeezed = ["".join(text.split()) for _, text in blocks]
    kept = "".join(squeezed)
    scan = len(kept) * len(page) <= _SCAN_BUDGET
    owner = _placed(squeezed, kept, page, scan)
    if len(owner) < 2:
        return blocks
    places = {page[i][1] for i in owner}
    after: dict[int, list[tuple[str, str]]] = {}
    previous = None
    for i in range(min(owner), max(owner)):
        if i in owner:
            previous = owner[i]
        elif previous is not None and page[i][1] in places and _is_prose(text := page[i][0]):
            if scan and _cut(text, kept):
                after.setdefault(previous, []).append(("p", text))
    if not after:
        return blocks
    return tuple(out for n, block in enumerate(blocks) for out in (block, *after.get(n, ())))


def _placed(squeezed: Sequence[str], kept: str, page: Sequence[tuple[str, str]], scan: bool) -> dict[int, int]:
    """Page blocks found in the kept text (``squeezed``, the kept blocks without spaces,
    joined), each with the kept block holding it; only those equal to a kept block unless
    ``scan``."""
    starts = [0, *accumulate(map(len, squeezed))]
    exact: dict[str, int] = {}
    for n, text in enumerate(squeezed):
        exact.setdefault(text, n)
    owner: dict[int, int] = {}
    for i, (text, _) in enumerate(page):
        if len(text) < _ANCHOR_CHARS:
            continue  # too short to place a block, and no prose (squeezed, shorter still)
        part = "".join(text.split())
        if len(part) < _ANCHOR_CHARS:
            continue
        if (held := exact.get(part)) is not None:
            owner[i] = held
        elif scan and (found := kept.find(part)) >= 0:
            owner[i] = bisect_right(starts, found) - 1
    return owner


def _cut(text: str, kept: str) -> bool:
    """A page block that is not in the kept text (``_placed`` did not find it) and of which
    none is: the extractor cut it. Asked only of the prose between kept blocks, at their
    places (searching the kept text for every block of the page was most of this rule)."""
    part = "".join(text.split())
    return len(part) >= _ANCHOR_CHARS and not _partly_kept(part, kept)


def _partly_kept(squeezed: str, kept: str) -> bool:
    """Some of the block is in the kept text: the extractor wrote it differently (split at
    a <br>, an inline code left out), it did not cut it."""
    middle = max(0, len(squeezed) // 2 - _PROBE // 2)
    return any(probe in kept for probe in (squeezed[:_PROBE], squeezed[middle : middle + _PROBE], squeezed[-_PROBE:]))


def _is_prose(text: str) -> bool:
    if text.count(" ") + 1 < _MIN_WORDS or text.endswith(_CUT_SHORT):
        return False
    return _SENTENCE_END.search(text) is not None
