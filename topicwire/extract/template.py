"""Per-source template learning: text blocks that recur across a source's pages.

A site's template (navigation, "About Us" blurbs, legal disclaimers, comment rules,
"Most popular stories" and other headline sidebars) writes the same lines on page
after page, while an article's own paragraphs appear on one page. The extractor
keeps some of that template (issue 4); counting, per source, on how many distinct
pages each normalized block was seen finds it without any per-site rule.

    learn(template, paragraphs, page_key)   count each distinct block once per page
    strip(template, paragraphs)             drop blocks seen on >= K pages and a share of them
    missed_article(template, paragraphs, layout)   the extractor kept only template, and left
                                            the page's own text out
    unsettled(template)                     template blocks the source's stored articles may
                                            still hold (issue 17: they are re-cleaned)
    settle(template)                        ... and now they do not

Everything here is pure: a ``Template`` in, a new ``Template`` out; ``to_json`` and
``from_json`` give the text the store keeps per source.

Bounds and adaptation: every ``half_life`` learned pages all counts (and the page
count) are halved, so a block the site stopped printing fades out and blocks seen on
one page only are forgotten; at most ``max_blocks`` blocks are kept, least seen and
least recent first out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from topicwire.extract.clean import normalize_text

MIN_PAGES = 3  # K: a block on fewer distinct pages is never template (2 could be a story + its update)
SHORT_SHARE = 0.1  # of the pages seen: menus, labels and sidebar headlines
# A long paragraph must recur on far more of the pages: a disclaimer is on nearly all of
# them, while a wire paragraph quoted by a few articles of a series is on a few.
LONG_SHARE = 0.5
LONG_WORDS = 40
MISSED_WORDS = 40  # of a page's own text the extractor left out: an article, not a caption
HALF_LIFE = 64  # pages between two halvings of every count
# Room for a large page's every block (layout.MAX_BLOCKS, placed and as kept text) and the
# pages since the last halving: a template larger than this is never learned whole (bench/
# outlets.py: a page of 1,685 blocks and 393 kept paragraphs lost its learned text keys at 2,000).
MAX_BLOCKS = 6000
MAX_RECENT_PAGES = 256  # page keys remembered so that learning a page again counts nothing
_FORMAT = 1
_PLACED = "@"  # placed keys (text and place) start with it, text keys are bare hashes


@dataclass(frozen=True)
class Template:
    """What one source's pages have in common.

    ``blocks`` maps a normalized block's hash to the (decayed) number of distinct pages
    it was seen on, least recently seen first; ``long`` lists the hashes of long blocks
    (over ``LONG_WORDS`` words); ``pages_seen`` is the decayed number of pages learned;
    ``recent_pages`` holds hashes of the last page keys learned.
    """

    source: str
    blocks: tuple[tuple[str, int], ...] = ()
    pages_seen: int = 0
    learned: int = 0  # pages learned since the last halving
    long: frozenset[str] = frozenset()
    recent_pages: tuple[str, ...] = ()
    # Template blocks already cleaned out of the source's stored articles (issue 17): a
    # block becoming template is one not in here. Empty for a template saved before this
    # existed, so the first poll after an upgrade cleans what older pages kept.
    settled: frozenset[str] = frozenset()


def learn(
    template: Template,
    paragraphs: Sequence[str],
    page_key: str,
    *,
    layout: Iterable[tuple[str, str, int, str]] = (),
    same_story: Sequence[str] = (),
    half_life: int = HALF_LIFE,
    max_blocks: int = MAX_BLOCKS,
) -> Template:
    """``template`` updated with one page's paragraphs (or lines) and its ``layout`` (the
    placed keys of extract/layout.py); a page is counted once. ``same_story``: the keys of
    pages of one story with this one (near-duplicates), counted as this one page: a quote
    three reports of a story repeat is the story's text, not the site's."""
    page = _hash(page_key)
    if page in template.recent_pages:
        return template
    seen = _distinct(paragraphs) | {placed: words for _, placed, words, _ in layout}
    counts = dict(template.blocks)
    for key in seen:  # re-inserted last: the tuple stays ordered by recency
        counts[key] = counts.pop(key, 0) + 1
    long = template.long | {key for key, words in seen.items() if words > LONG_WORDS}
    pages, learned = template.pages_seen + 1, template.learned + 1
    if learned >= half_life:
        counts = {key: count // 2 for key, count in counts.items() if count >= 2}
        pages, learned = pages // 2, 0
    kept = _evict(counts, max_blocks)
    learned_template = replace(
        template,
        blocks=tuple(kept.items()),
        pages_seen=pages,
        learned=learned,
        long=long & kept.keys(),
        recent_pages=(*template.recent_pages, page, *map(_hash, same_story))[-MAX_RECENT_PAGES:],
    )
    # A block that fell below the threshold (decay) and crosses it again must be cleaned
    # again: pages stored meanwhile kept it.
    if not template.settled:
        return learned_template
    return replace(learned_template, settled=template.settled & _texts(template_blocks(learned_template)))


def strip(
    template: Template,
    paragraphs: Sequence[str],
    *,
    min_pages: int = MIN_PAGES,
    places: Mapping[str, frozenset[str]] | None = None,
) -> tuple[str, ...]:
    """``paragraphs`` without the source's template blocks, in their order.

    A paragraph goes only if seen on at least ``min_pages`` distinct pages (never
    fewer than 2) and on the share of all pages its length requires: as kept text, or,
    given the page's ``places`` (``placements``), in each place the page shows it. If
    nothing would be left, the page is all template to us (an article learned under
    several URLs), and it is returned whole rather than emptied.
    """
    doomed = template_blocks(template, min_pages=min_pages)
    kept = tuple(p for p in paragraphs if not _template_text(p, doomed, places or {}))
    return kept if any(normalize_text(p) for p in kept) else tuple(paragraphs)


def missed_article(template: Template, paragraphs: Sequence[str], layout: Iterable[tuple[str, str, int, str]]) -> bool:
    """Did the extractor keep nothing but template (every one of ``paragraphs``) while the
    page shows ``MISSED_WORDS`` or more of text that is neither template nor kept? Then it
    missed the article (bench/outlets.py: a page of results lines whose extractor took a
    column of 139 headlines instead), and the template is all ``strip`` would leave."""
    layout = tuple(layout)
    doomed, where = template_blocks(template), placements(layout)
    if not paragraphs or not all(_template_text(p, doomed, where) for p in paragraphs):
        return False
    kept = {block_key(p) for p in paragraphs}
    words = {placed: n for key, placed, n, _ in layout if placed not in doomed and key not in kept}
    return sum(words.values()) >= MISSED_WORDS


def _template_text(paragraph: str, doomed: frozenset[str], where: Mapping[str, frozenset[str]]) -> bool:
    key = block_key(paragraph)
    return key in doomed or bool((at := where.get(key)) and at <= doomed)


def placements(layout: Iterable[tuple[str, str, int, str]], *, places: bool = False) -> dict[str, frozenset[str]]:
    """Text key -> the placed keys of the places a page shows that text in (``places``:
    the place keys, which name the place alone)."""
    found: dict[str, set[str]] = {}
    for key, placed, _, place in layout:
        found.setdefault(key, set()).add(place if places else placed)
    return {key: frozenset(at) for key, at in found.items()}


def block_key(text: str) -> str:
    """The key of a block's text (``learn`` counts it where the extractor kept it)."""
    return _hash(_normalize(text))


def folded_key(text: str) -> str:
    """``block_key`` of a text that is normalized and casefolded already (extract/layout.py
    keys a page's every block and normalized each twice)."""
    return _hash(text)


def placed_key(key: str, place: str) -> str:
    """The key of a block's text (``block_key``) in one place of the page (extract/layout.py)."""
    return _PLACED + _hash(f"{key}\x1f{place}")


def place_key(place: str) -> str:
    """The key of a place alone (extract/layout.py): which text it shows is not in it."""
    return _hash(place)


def template_blocks(template: Template, *, min_pages: int = MIN_PAGES) -> frozenset[str]:
    """Hashes of the blocks ``strip`` removes."""
    floor = max(min_pages, 2)
    return frozenset(
        key
        for key, count in template.blocks
        if count >= floor and count >= (LONG_SHARE if key in template.long else SHORT_SHARE) * template.pages_seen
    )


def unsettled(template: Template) -> frozenset[str]:
    """Template blocks not yet cleaned out of the source's stored articles. Placed keys
    are not among them: a stored article keeps its text, not where its page showed it."""
    return _texts(template_blocks(template)) - template.settled


def holds_any(paragraphs: Sequence[str], blocks: frozenset[str]) -> bool:
    """Is one of ``paragraphs`` one of ``blocks`` (hashes from ``template_blocks``)?"""
    return any(key in blocks for key in _distinct(paragraphs))


def settle(template: Template) -> Template:
    """``template`` once every stored article of its source is clean of its blocks."""
    return replace(template, settled=_texts(template_blocks(template)))


def to_json(template: Template) -> str:
    """Compact JSON for the store; ``from_json`` reads it back."""
    return json.dumps(
        {
            "format": _FORMAT,
            "source": template.source,
            "pages_seen": template.pages_seen,
            "learned": template.learned,
            "blocks": [[key, count, int(key in template.long)] for key, count in template.blocks],
            "recent_pages": list(template.recent_pages),
            "settled": sorted(template.settled),
        },
        separators=(",", ":"),
    )


def from_json(text: str) -> Template:
    """A ``Template`` from ``to_json`` output; ValueError if it is not one."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError("not a topicwire template (or another format version)")
    try:
        return Template(
            source=str(data["source"]),
            blocks=tuple((str(key), int(count)) for key, count, _ in data["blocks"]),
            pages_seen=int(data["pages_seen"]),
            learned=int(data["learned"]),
            long=frozenset(str(key) for key, _, is_long in data["blocks"] if is_long),
            recent_pages=tuple(str(page) for page in data["recent_pages"]),
            # absent from templates saved before issue 17: nothing settled yet
            settled=frozenset(str(key) for key in data.get("settled", ())),
        )
    except (KeyError, TypeError, ValueError) as e:  # a truncated or hand-edited row
        raise ValueError(f"bad template JSON: {e!r}") from e


def _texts(keys: frozenset[str]) -> frozenset[str]:
    return frozenset(key for key in keys if not key.startswith(_PLACED))


def _distinct(paragraphs: Iterable[str]) -> dict[str, int]:
    """Hash -> word count of each distinct non-empty normalized paragraph."""
    found: dict[str, int] = {}
    for paragraph in paragraphs:
        text = _normalize(paragraph)
        if text:
            found.setdefault(_hash(text), len(text.split()))
    return found


def _evict(counts: dict[str, int], max_blocks: int) -> dict[str, int]:
    """The ``max_blocks`` most seen blocks (ties: the most recent), recency order kept."""
    if len(counts) <= max_blocks:
        return counts
    order = {key: i for i, key in enumerate(counts)}
    keep = set(sorted(counts, key=lambda key: (counts[key], order[key]))[-max_blocks:])
    return {key: count for key, count in counts.items() if key in keep}


def _normalize(text: str) -> str:
    # Case and spacing vary with the template's markup ("ABOUT US" in a CSS-uppercased
    # menu); digits do not: a "14.11.2024" line must match only itself (issue 4: never
    # remove text seen on one page only).
    return normalize_text(text).casefold()


_HASH = hashlib.blake2b(digest_size=8)  # copied, not made anew: 0.3 us a key instead of 0.5


def _hash(text: str) -> str:
    hashed = _HASH.copy()
    hashed.update(text.encode("utf-8"))
    return hashed.hexdigest()
