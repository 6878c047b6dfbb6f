"""Labels of the site's related-story boxes the extractor kept (pure: blocks in, blocks out).

A box of links to other stories ("Auch interessant", "NOTAS RELACIONADAS", "À lire aussi",
"Read more") often loses its links to the extractor or to prune.py's link lists and keeps
its title, anywhere in the text: between two paragraphs where the box stood, or above a
teaser the box held ("À lire aussi » Ballonnements ..."). Such a block is furniture,
whatever its tag: the label alone, or the label and a separator before one short line.

The labels are the words newsrooms print over these boxes, in the languages of the corpus
and the region this project watches. Not words an article or a wiki uses as a section's
title: "Weitere Informationen", "En savoir plus", "Background", "See also" (and its
translations: a wiki's or a README's last section) stay.
"""

from __future__ import annotations

import re

Blocks = tuple[tuple[str, str], ...]

_LABELS = (
    # English
    r"related(?: (?:articles?|stories|story|posts?|content|links|news|coverage|reading|topics))?"
    r"|read (?:more|also|next)(?: on this)?|also read|more on this(?: story| topic)?|further reading"
    r"|you (?:may|might) also (?:like|be interested(?: in)?)|recommended(?: for you| stories| articles)?"
    r"|more stories|more news|most (?:read|popular)|don'?t miss|up next"
    # German
    r"|auch interessant|(?:das|dies) könnte (?:sie|dich) (?:auch )?interessieren|lesen sie (?:auch|hier|mehr)"
    r"|(?:zum )?weiterlesen|mehr zum thema|mehr zu diesem thema|weitere (?:artikel|themen|nachrichten|beiträge)"
    r"|ähnliche (?:artikel|beiträge|themen)|verwandte (?:artikel|beiträge|themen)|passend(?: dazu| zum thema)"
    r"|empfohlene (?:artikel|beiträge)|meistgelesen(?:e)?(?: artikel)?|auch lesenswert"
    r"|nächster artikel|vorheriger artikel|vorschau auf den nächsten artikel"
    # French
    r"|(?:à )?lire aussi|à lire également|sur le même sujet|articles? similaires|dans la même rubrique"
    r"|vous aimerez (?:aussi|également)|les plus lus"
    # Spanish, Portuguese, Italian
    r"|(?:notas|noticias|artículos) relacionad[oa]s|contenido relacionado|lee (?:también|más)|leer más"
    r"|(?:también )?(?:te|le) puede interesar|más noticias|lo más leído"
    r"|leia (?:também|mais)|notícias relacionadas|mais lidas"
    r"|leggi anche|articoli correlati|(?:ti )?potrebbe (?:anche )?interessar(?:ti|e)|più letti"
    # Russian, Polish
    r"|читайте (?:также|еще|ещё)|по теме|другие новости|похожие (?:статьи|новости)"
    r"|czytaj (?:także|też|również)|powiązane artykuły"
)
# The label alone, with its box's marks around it ("Auch interessant:", "» Lesen Sie auch")
_ALONE = re.compile(rf"[\W_]*(?:{_LABELS})[\W_]*", re.I)
# The label and a separator before one line: the box's one teaser
_BEFORE_TEASER = re.compile(rf"[\W_]*(?:{_LABELS})\s*[:»›|>]", re.I)
_MAX_LABEL_CHARS = 60
_MAX_TEASER_CHARS = 160  # a headline and a line of its teaser


def without_related_labels(blocks: Blocks) -> Blocks:
    """``blocks`` without related-story labels: a block that is a label alone, or a
    label, a separator and at most one short line; never the first block (a title)."""
    return blocks[:1] + tuple(block for block in blocks[1:] if not _related_label(block[1]))


def _related_label(text: str) -> bool:
    text = text.strip()
    if len(text) <= _MAX_LABEL_CHARS and _ALONE.fullmatch(text):
        return True
    return len(text) <= _MAX_TEASER_CHARS and "\n" not in text and _BEFORE_TEASER.match(text) is not None
