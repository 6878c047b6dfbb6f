"""Every text block of a page with where it sits: what a source's template is learned from.

    page_blocks(tree)                -> ((text, place), ...)  every text block, in order
    page_layout(blocks, paragraphs)  -> ((text key, placed key, words), ...): each distinct
                                        block once; and each of the extractor's paragraphs
                                        that joins blocks (or is part of one), with each
                                        block's placed key

The extractor keeps a site's template on some pages and not on others: a column kept on
2 of an outlet's first 4 pages, a related-links box kept on 1 page of 10 (issue 17,
bench/outlets.py: 475 template lines published after a first poll). Counted only where the
extractor kept it, such a block never reaches the pages a template needs; counted on
every page whose markup carries it, it does.

Counting every line of a page by its text alone would strip too much: a news site shows
an article's lede as a teaser in the sidebars of its other pages, and that lede would
become "template" on the article's own page. So a block is keyed by its text *and* its
place: the tags, classes and ids of its element and the nearest ancestors (digits left
out: "post-1234"). The lede in the article's body and the same words in a sidebar teaser
are two keys; a column the extractor kept on one page and dropped on the others is one.

Pure: an lxml tree in (not modified), keys out; extract/template.py counts them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import islice

from lxml import etree

from topicwire.extract.clean import BLOCK_TAGS, DROPPED_TAGS, normalize_text
from topicwire.extract.template import block_key, folded_key, place_key, placed_key

# Element and ancestors that name a block's place. Enough to tell an article body from a
# sidebar (they part within the last levels); few enough that a class the page's <body>
# or outer wrapper takes from the article's section ("category-politics") does not count.
DEPTH = 4
MAX_BLOCKS = 2_500  # per page: of 815 corpus pages the median has 143, the largest 2,159
# Text read per page: the largest of the 815 corpus pages has 113,251 characters (median
# 7,407); a hostile page's 1.5 MB of text in 2,500 blocks took 0.5 s to read and 0.5 s to
# key (tests/test_hostile_cost.py).
MAX_CHARS = 300_000
# A paragraph longer than this is not looked for as joined blocks or a part of one: a
# template's caption or address is short, and a hostile page's one paragraph of 2 MB made of
# 2,500 blocks cost 0.4 s to take apart.
MAX_PART_CHARS = 2_000
# Of a class or an id attribute, what a label reads. 9 of the 431,520 in the 847 corpus
# pages are longer (the longest 4,334 characters); a hostile page's 1 MB class attribute
# made its label, every place string under it and an entry of _label_of's cache that size,
# and the cache keeps 4,096 entries for the daemon's life (GBs).
MAX_ATTR_CHARS = 1_000
_DIGITS = re.compile(r"\d+")
# What _blocks does with an element, by its tag: a comment, a processing instruction or an
# entity has no text of its own (its tail is the page's).
_BLOCK, _DROPPED, _INLINE, _NO_TEXT = "block", "dropped", "inline", "no text"
_KINDS: dict[object, str] = {
    **dict.fromkeys(BLOCK_TAGS, _BLOCK),
    **dict.fromkeys(DROPPED_TAGS, _DROPPED),
    **dict.fromkeys((etree.Comment, etree.ProcessingInstruction, etree.Entity), _NO_TEXT),
}

# (text key, placed key, words, place key): the place key names the place alone, so that
# the paragraphs one place shows (an article's body) can be told apart from the others
# (sitetemplate.own_text); the placed key names the text in its place.
Layout = tuple[tuple[str, str, int, str], ...]
Blocks = tuple[tuple[str, str], ...]
_PREFIX = 8  # a paragraph's first block is tried shortest first up to this many characters
# Characters of the page's blocks compared with the extractor's paragraphs (_Parts) at most,
# per page, each step of the matching counted as _STEP more. Of the 847 corpus pages, the one
# that compares the most takes 6.2 M (a wiki page of 1,139 blocks, 148 of them a lone "“" that
# opens 202 quotes the extractor wrote as table rows); a hostile 2 MB page of 50,000 distinct
# short paragraphs 11.9 M (0.4 s); pages made to spend it all took 0.15 s at most. Past it,
# the paragraphs not yet looked at are placed nowhere, as one the extractor rewrote is: the
# article's text is the same, the layout lacks some of its joined paragraphs, and
# template.strip judges those by their own text alone.
_SCAN_BUDGET = 20_000_000
_STEP = 100  # characters a step of the matching counts as, besides those it compares


def page_blocks(tree: etree._Element) -> Blocks:
    """(normalized text, place) of each text block of ``tree``'s body, in page order.
    Read before the extractor prunes the tree: its template is what the page shows."""
    body = tree.find(".//body")
    out, size = [], 0
    for text, place in islice(_blocks(body if body is not None else tree), MAX_BLOCKS):
        size += len(text)
        if size > MAX_CHARS:
            break
        out.append((text, place))
    return tuple(out)


def block_places(
    blocks: Sequence[tuple[str, str]], page: Sequence[tuple[str, str]], name: Callable[[str], str] | None = None
) -> list[set[str]]:
    """For each of the extractor's ``blocks`` ((kind, text)), the places in ``page`` (as
    ``page_blocks`` gives them) of the page blocks with the very same text, each written by
    ``name`` (once a place) when given; empty for a block the page does not show as such.
    Only the blocks' own texts are looked up: most page blocks are none of the extractor's,
    and a page has a few hundred blocks in a few dozen places."""
    texts = {text for _, text in blocks}
    written: dict[str, str] = {}
    places: dict[str, set[str]] = {}
    for text, place in page:
        if text not in texts:
            continue
        if name is not None:
            if (own := written.get(place)) is None:
                own = written[place] = name(place)
            place = own
        places.setdefault(text, set()).add(place)
    return [places.get(text, set()) for _, text in blocks]


def page_layout(blocks: Blocks, paragraphs: Sequence[str] = ()) -> Layout:
    """The distinct (text key, placed key, word count, place key) of ``blocks`` (normalized, as
    ``page_blocks`` gives them); and, for each of the extractor's ``paragraphs`` that joins
    several consecutive blocks (a figure's credit and caption, an address's lines: the
    extractor writes them as one), the paragraph's text key with each joined block's placed
    key: a paragraph is template when all its parts are."""
    folded = [text.casefold() for text, _ in blocks]
    keys = [folded_key(text) for text in folded]  # block_key's, without normalizing again
    found: dict[tuple[str, str], tuple[str, str, int, str]] = {}
    places: dict[str, str] = {}  # a page has a few hundred blocks in a few dozen places
    for key, (text, place) in zip(keys, blocks, strict=True):
        if (key, place) not in found:  # a line repeated in one place ("Share") is hashed once
            where = places.get(place) or places.setdefault(place, place_key(place))
            found[key, place] = (key, placed_key(key, place), text.count(" ") + 1, where)
    placed = [found[key, place] for key, (_, place) in zip(keys, blocks, strict=True)]
    single = frozenset(keys)
    parts = [(key, p) for p in paragraphs if len(p) <= MAX_PART_CHARS and (key := block_key(p)) not in single]
    return (*found.values(), *_made_of(parts, blocks, folded, placed))


def _made_of(
    parts: Sequence[tuple[str, str]], blocks: Blocks, folded: Sequence[str], placed: Sequence[tuple[str, str, int, str]]
) -> Iterator[tuple[str, str, int, str]]:
    """For each (text key, paragraph) of ``parts``, each block it joins or is a part of:
    (the paragraph's text key, the block's placed key, the block's words, its place key)."""
    if not parts:
        return
    index, joined = _Parts(folded), set[tuple[str, str]]()
    for key, paragraph in parts:
        if (made_of := index.of(paragraph)) is None:
            return  # past _SCAN_BUDGET: this paragraph and the rest are placed nowhere
        for i in made_of:
            _, at, _, where = placed[i]
            if (key, at) not in joined:
                joined.add((key, at))
                yield key, at, blocks[i][0].count(" ") + 1, where


class _Parts:
    """The page's folded blocks, indexed for the two ways a paragraph is made of them (joined
    blocks, or a part of blocks), with the characters it may still compare (``_SCAN_BUDGET``).

    Looked for block by block, each paragraph was compared with every block: on a 2 MB page
    of 50,000 distinct short paragraphs, 2,500 of them kept as blocks, 26 s. The index finds
    the same blocks, in the same order, among the few that can be them: a paragraph's first
    block is one whose whole text begins the paragraph (looked up by its text); a block that
    holds a paragraph of 3+ words has its middle words as words of its own (looked up by the
    rarest of them)."""

    def __init__(self, folded: Sequence[str]) -> None:
        self.folded = folded
        self.budget = _SCAN_BUDGET
        self._texts: dict[str, list[int]] = {}  # a block's whole text -> its indexes
        self._words: dict[str, list[int]] = {}  # a word -> the blocks that have it
        for i, text in enumerate(folded):
            self._texts.setdefault(text, []).append(i)
            for word in set(text.split()):
                self._words.setdefault(word, []).append(i)
        # The lengths of the blocks of _PREFIX characters or more, by their first _PREFIX.
        lengths: dict[str, set[int]] = {}
        for text in self._texts:
            if len(text) >= _PREFIX:
                lengths.setdefault(text[:_PREFIX], set()).add(len(text))
        self._lengths = {start: sorted(found) for start, found in lengths.items()}

    def of(self, paragraph: str) -> Sequence[int] | None:
        """The blocks ``paragraph`` joins, else the blocks holding it; None once the
        budget is spent (the paragraph is then placed nowhere, see ``_SCAN_BUDGET``)."""
        text = normalize_text(paragraph).casefold()
        joined = self._joined(text)
        return joined if joined is None or joined else self._holding(text)

    def _spend(self, chars: int) -> bool:
        self.budget -= chars
        return self.budget >= 0

    def _joined(self, text: str) -> range | None:
        """The consecutive blocks (two or more) ``text`` is made of, joined with or without a
        space; an empty range if it is not made of blocks. The first block is tried shortest
        first up to ``_PREFIX`` characters, then in page order: where two ways to take the
        text apart start, the one taken is the one the chain always took."""
        firsts = self._firsts(text)
        if firsts is None:
            return None
        folded, end = self.folded, len(text)
        for first in firsts:
            at, i = 0, first
            while i < len(folded) and self._spend(_STEP + len(part := folded[i])) and text.startswith(part, at):
                at, i = at + len(part), i + 1
                while at < end and text[at].isspace():  # text.lstrip(): text is normalized
                    at += 1
                if at == end:
                    return range(first, i) if i - first > 1 else range(0)
            if self.budget < 0:
                return None
        return range(0)

    def _firsts(self, text: str) -> list[int] | None:
        """The blocks whose whole text begins ``text``: those shorter than ``_PREFIX``
        characters by length, then the others in page order."""
        short = [i for n in range(1, min(_PREFIX, len(text) + 1)) for i in self._texts.get(text[:n], ())]
        lengths = [n for n in self._lengths.get(text[:_PREFIX], ()) if n <= len(text)] if len(text) >= _PREFIX else []
        if not self._spend(_STEP + sum(lengths)):
            return None
        return short + sorted(i for n in lengths for i in self._texts.get(text[:n], ()))

    def _holding(self, text: str) -> list[int] | None:
        """The blocks holding ``text`` (3+ words) as a part: the extractor left a nested credit
        out of a caption ("Screenshot,Strava" before a widget's teaser, bench/outlets.py).
        Whatever its first and last words, a part's middle words are whole words of its block."""
        words = text.split()
        if len(words) < 3:
            return []
        middle = [self._words.get(word, []) for word in set(words[1:-1])]
        found = min(middle, key=len)
        if not self._spend(sum(_STEP + len(self.folded[i]) + len(text) for i in found)):
            return None
        return [i for i in found if text in self.folded[i]]


def _blocks(root: etree._Element) -> Iterator[tuple[str, str]]:
    """(normalized text, place) of each run of text between block boundaries, in order.

    Iterative (``iterwalk``): a hostile page nests elements deeper than Python recurses.
    A generator: ``page_blocks`` stops reading a huge page at ``MAX_BLOCKS`` (a 2 MB page
    of tests/test_hostile_cost.py took 0.7 s to read whole). Every element of a page passes
    through this loop twice (a median corpus page has 800 elements, 400 of them blocks), so
    it does the least it can per element: one lookup of its tag; a block with neither text
    nor children (``<br>``, ``<hr>``) is a boundary and no place; a place's labels are
    joined when a block is read in it, not for every wrapper that opens one."""
    pieces: list[str] = []
    labels: tuple[str, ...] = (_label(root),)
    place = ""  # " ".join(labels) once a block is read in it
    opened: list[tuple[etree._Element, tuple[str, ...], str]] = []  # each open block, the place around it
    walk = etree.iterwalk(root, events=("start", "end"))
    for event, element in walk:
        kind = _KINDS.get(tag := element.tag, _INLINE)
        if kind is _BLOCK:
            if pieces and (text := _text(pieces)):
                yield text, (place := place or " ".join(labels))
            if event == "start":
                if (text := element.text) or len(element):
                    opened.append((element, labels, place))
                    get = element.get  # _attr's reads written out: this runs for every block
                    label = _label_of(tag, (get("class") or "")[:MAX_ATTR_CHARS], (get("id") or "")[:MAX_ATTR_CHARS])
                    labels, place = (*labels[1 - DEPTH :], label), ""
                    if text:
                        pieces.append(text)
                continue
            if opened and opened[-1][0] is element:
                _, labels, place = opened.pop()
        elif event == "start":
            if kind is _DROPPED:
                walk.skip_subtree()  # its end comes next, and its tail is the page's
            elif kind is _INLINE and (text := element.text):
                pieces.append(text)
            continue
        if element.tail and element is not root:
            pieces.append(element.tail)
    if pieces and (text := _text(pieces)):
        yield text, place or " ".join(labels)


def _text(pieces: list[str]) -> str:
    """The text gathered so far, normalized; ``pieces`` emptied."""
    text = "".join(pieces)
    pieces.clear()
    return normalize_text(text) if not text.isspace() else ""


def _label(element: etree._Element) -> str:
    """``tag.class.class#id`` with digits left out (a page's own number is not its place)."""
    if not isinstance(element.tag, str):
        return ""
    return _label_of(element.tag, _attr(element, "class"), _attr(element, "id"))


def _attr(element: etree._Element, name: str) -> str:
    return (element.get(name) or "")[:MAX_ATTR_CHARS]


@lru_cache(maxsize=4096)  # a page has a few hundred distinct ones; a hostile page, any number
def _label_of(tag: str, classes: str, ident: str) -> str:
    names = ".".join(sorted(_DIGITS.sub("", c) for c in classes.split()))
    ident = _DIGITS.sub("", ident).replace(" ", "")
    return tag.lower() + (f".{names}" if names else "") + (f"#{ident}" if ident else "")
