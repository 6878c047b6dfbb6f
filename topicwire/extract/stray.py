"""Short lines the extractor kept that stand alone in the page (pure: blocks in, blocks out).

An article's own short lines sit among its other lines: a subheading, an ingredient, a
dateline share their element and ancestors (their place, as layout.py names it) with other
kept blocks. The furniture trafilatura lets through one line at a time does not: an
"ANZEIGE" tag, a box's title ("Neue NASA-Fotos"), "Zum Newsletter anmelden", a time stamp
in its own <div>, "Inhaltsverzeichnis" above a table of contents the extractor dropped.
Each is a line of a few words that is no sentence, in a place where no other kept block is.

Spared by structure, whatever their words: headings (trafilatura's, and the page's <h1>-<h6>
even where trafilatura writes one as a paragraph: "Fazit" in its <h2 id="h-fazit"> on a blog
is short and alone in its place) and preformatted text (<pre>: a line of code or of a
terminal session).

bench/extraction.py, the rule's effect (P / R / F1) with every page in balanced mode
(bench/README.md, eighth round): trafilatura eval dev +.004 / -.001 / +.002, held out
+.006 / .000 / +.003; Zyte dev +.002 / .000 / +.001, held out +.001 / .000 / .000
(branch extract19, in precision mode on news pages: held out eval +.0037 F1, Zyte
+.0003). Without the spared structures (the third round's version, reverted) dev recall
fell .0035 to .007: code lines and section titles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from topicwire.extract.layout import block_places

Blocks = tuple[tuple[str, str], ...]
_MAX_WORDS = 5  # 8 cut real text on Zyte pages (recall -.0004 dev, -.0007 held out)
# Ends as a sentence does, a closing quote or bracket allowed after the stop.
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’»)\]]*$")
_SPARED_TAGS = frozenset({"pre", "h1", "h2", "h3", "h4", "h5", "h6"})
_LABEL_END = re.compile(r"[.#]")


def without_stray_lines(blocks: Blocks, page: Sequence[tuple[str, str]]) -> Blocks:
    """``blocks`` without each short non-sentence block (not a heading) whose places in
    ``page`` ((text, place) of every page block, layout.page_blocks) hold no other kept
    block. A block is placed where a page block has the very same text; one the page does
    not show as such (trafilatura joined or split it) is kept."""
    placed = block_places(blocks, page)
    kept_at = Counter(place for found in placed for place in found)
    return tuple(
        block
        for block, found in zip(blocks, placed, strict=True)
        if not (found and _is_stray(block) and all(kept_at[p] == 1 and _tag(p) not in _SPARED_TAGS for p in found))
    )


def _is_stray(block: tuple[str, str]) -> bool:
    kind, text = block
    return kind != "h" and text.count(" ") < _MAX_WORDS and not _SENTENCE_END.search(text)


def _tag(place: str) -> str:
    """The tag of a place's own element: ``h2`` of ``"div.post h2#fazit"``."""
    return _LABEL_END.split(place.rsplit(" ", 1)[-1], maxsplit=1)[0]
