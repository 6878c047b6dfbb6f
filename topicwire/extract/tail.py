"""A small box after the article that the extractor kept with it (pure: blocks in, blocks out).

trafilatura keeps the article and, on some pages, a box that follows it: an about-us
paragraph, a disclosure, a comments counter, a "more about" card, a content blocker's
notice, an author box of the site's own staff. Such a box sits in the page apart from
the article: none of its blocks shares a place (element and ancestors, as layout.py names
it) with a block of the text before it, and it is small against that text. An article's
own last paragraphs sit where its other paragraphs sit.

Places are compared without their ids: editors that give every paragraph an id of its
own (``p#cIdV``, ``#viewer-dea``) would make every paragraph a place of its own. For the
same reason a block's own class names that a CSS-in-JS or CSS-modules build generated
(``p.Ekqk.eTIW.lqtk`` beside ``p.Ekqk.TjIX.lqtk``: a hash per style, so a last paragraph
styled without a bottom margin gets classes of its own) are left out; its tag and the
names a person wrote (``disclaimer``, ``aboutUs``, ``article__disclaimer``) stay. On
../shared this changes one page of 815 (an ABC13 story whose closing quote was cut) and no
score of bench/extraction.py; telling camelCase and BEM names a person wrote from hashes
(``_generated``) changes the verdict on 10,521 of the corpus's 77,892 class names and the
text of none of its 815 pages.

bench/extraction.py, the rule's effect (P / R / F1) with every page in balanced mode
(bench/README.md, eighth round): trafilatura eval dev +.008 / -.001 / +.003, held out
+.007 / -.003 / +.002; Zyte dev +.001 / -.001 / .000, held out .000 (branch extract21, in
precision mode on news pages: held out eval +.0029 F1). What it cuts of the article: one snippet on each
eval split (on eval dev a Reuters "Additional reporting by ..." line in a <div> of its own:
the eval set counts credit lines as body, Zyte does not); on Zyte dev a correction notice,
a tweet that closes a post and a "This article was reprinted on ..." line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from topicwire.extract.layout import block_places

Blocks = tuple[tuple[str, str], ...]
_MAX_BLOCKS = 3  # a box's title and a paragraph or two
_MAX_SHARE = 0.1  # of the text's characters: 0.15 cut article ends on eval dev pages
_MIN_BLOCKS = 4  # a short text's last blocks are too much of it to tell a box from its end
_ID = re.compile(r"#[^ .]*")
# A generated class name (layout.py has taken its digits out): a styled-components/emotion
# ``sc-``/``css-`` name; 4-8 letters in mixed case past the first letter (``eTIW``, ``aGjv``,
# ``kGZBuB``) unless its camelCase words read as words: each of two letters or more with a
# vowel, one of three or more (``aboutUs``, ``endNote``, ``isLast``, ``bodyText``; the
# corpus has 4-letter hashes of two such pairs, ``IpIx``, ``yaUf``); or a CSS module's name
# whose hash, after its last ``__``, has a capital (``styles__body__xKq``; a BEM element such
# as ``article__disclaimer`` is written).
_BUILT = re.compile(r"(?:sc|css)-.*")
_MIXED_CASE = re.compile(r"(?=[A-Za-z]{4,8}$)(?=.*[a-z])(?:.*[a-z].*[A-Z]|.*[A-Z].*[A-Z]).*")
_CAMEL_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]")
_VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)
_CAPITAL = re.compile(r"[A-Z]")


def without_tail_box(blocks: Blocks, page: Sequence[tuple[str, str]]) -> Blocks:
    """``blocks`` without its last 1-3 blocks when, together, they are at most a tenth of
    the text and no place of theirs in ``page`` ((text, place) of every page block,
    layout.page_blocks) holds a block before them. The longest such run goes. A block the
    page does not show as such (trafilatura joined or split it) ends the run."""
    if len(blocks) < _MIN_BLOCKS:
        return blocks
    placed = block_places(blocks, page, _written)
    limit = _MAX_SHARE * sum(len(text) for _, text in blocks)
    cut, box_chars, box_places = 0, 0, set[str]()
    for size in range(1, min(_MAX_BLOCKS, len(blocks) - 2) + 1):
        found = placed[-size]
        box_chars += len(blocks[-size][1])
        if not found or box_chars > limit:
            break
        box_places |= found
        if box_places.isdisjoint(set().union(*placed[:-size])):
            cut = size
    return blocks[:-cut] if cut else blocks


def _written(place: str) -> str:
    """``place`` without ids, and its own element without generated class names."""
    around, _, own = _ID.sub("", place).rpartition(" ")
    tag, *classes = own.split(".")
    kept = ".".join((tag, *(c for c in classes if not _generated(c))))
    return f"{around} {kept}" if around else kept


def _generated(name: str) -> bool:
    """Whether a build made the class name ``name`` (a hash) rather than a person."""
    if _BUILT.fullmatch(name):
        return True
    if _MIXED_CASE.fullmatch(name):
        words = _CAMEL_WORD.findall(name)
        return not (all(len(w) >= 2 and _VOWEL.search(w) for w in words) and max(map(len, words)) >= 3)
    return "__" in name and bool(_CAPITAL.search(name.rpartition("__")[2]))
