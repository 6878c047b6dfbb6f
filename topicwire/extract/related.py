"""Related-content boxes left in an article's text: a label, then the headlines it lists.

    "Auch interessant:" | "14 Tipps, wie du mehr Twitter-Follower bekommst" | ...
    "DON'T MISS"        | "Plane passengers quarantined after BUBONIC PLAGUE outbreak [NEWS]" | ...

prune.py drops such a box when its markup gives it away (3+ items that are each mostly a
link). When the headlines are not links of their own (the whole teaser is the link, or
the links were script-made), trafilatura keeps the box's text inside the body, anywhere
in it. Its label is a short block in the words newsrooms use ("Related stories", "Lesen
Sie auch", "Notas relacionadas") and what follows it reads as headlines: short, with no
sentence end. Both together are furniture; a label followed by prose is left alone (a
story may say "More on this:" and go on).

Pure: cleaned blocks in, blocks out.
"""

from __future__ import annotations

import re

Blocks = tuple[tuple[str, str], ...]

# The whole block, up to a colon, an ellipsis or an arrow, in the corpus languages. Names
# only: "more" or "weitere" alone name too much ("Weitere Informationen" opens body text).
_LABEL = re.compile(
    r"(?:related(?: (?:stories|articles|posts|news|content|coverage|reading|links))?|read (?:more|also|next)"
    r"|see also|more (?:stories|news|on this(?: story| topic)?|from [\w .-]{1,25})|you (?:may|might) also like"
    r"|(?:recommended|suggested) (?:for you|stories|articles|reading)|don'?t miss|must reads?|further reading"
    r"|most (?:read|popular|viewed|shared)(?: [\w ]{1,25})?|top stories|trending(?: now| stories)?"
    r"|auch interessant|(?:das )?könnte (?:sie|dich) auch interessieren|lesen sie (?:auch|mehr)|(?:zum )?weiterlesen"
    r"|mehr zu(?:m thema)?(?: [\w .-]{1,25})?|weitere (?:themen|artikel|beiträge|meldungen|nachrichten)"
    r"|ähnliche (?:artikel|beiträge)|meistgelesen(?:e)?(?: artikel)?|top-?themen"
    r"|(?:notas|noticias|artículos) relacionad[oa]s|(?:te|le) puede interesar|(?:lee|lea) también"
    r"|lo más (?:leído|visto)|(?:à )?lire aussi|sur le même sujet|les plus lus|(?:à )?voir aussi"
    r"|(?:leia|veja) também|mais lidas|leggi anche|articoli correlati|czytaj (?:też|także)|zobacz (?:też|także))"
    r"\s*(?::|\.\.\.|…|»|>|→)?",
    re.I,
)
_LABEL_CHARS = 40
_HEADLINE_CHARS = 150  # a headline, not a teaser paragraph
_SENTENCE_END = tuple(".!?:;…") + tuple(f"{p}{q}" for p in ".!?" for q in "\"'”’«»)")


def drop_related(blocks: Blocks) -> Blocks:
    """``blocks`` without each related-content label that is followed by headlines, nor
    the headlines (the run of headline-like blocks right after it)."""
    kept: list[tuple[str, str]] = []
    i = 0
    while i < len(blocks):
        end = _headlines_after(blocks, i) if i and _is_label(blocks[i][1]) else i
        if end > i + 1:
            i = end
        else:
            kept.append(blocks[i])
            i += 1
    return tuple(kept) if len(kept) < len(blocks) else blocks


def _is_label(text: str) -> bool:
    return len(text) <= _LABEL_CHARS and _LABEL.fullmatch(text) is not None


def _headlines_after(blocks: Blocks, label: int) -> int:
    """The index after the run of headline-like blocks that follows ``label``."""
    end = label + 1
    while end < len(blocks) and _is_headline(blocks[end][1]):
        end += 1
    return end


def _is_headline(text: str) -> bool:
    return 0 < len(text) <= _HEADLINE_CHARS and not text.endswith(_SENTENCE_END)
