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

# Labels that point to another story: alone, or before the story's headline
_POINTERS = (
    r"related(?: (?:articles?|stories|story|posts?|content|links|news|coverage|reading|topics))?"
    r"|read (?:more|also|next)(?: on this)?|also read|more on this(?: story| topic)?|further reading"
    r"|you (?:may|might) also (?:like|be interested(?: in)?)"
    r"|auch interessant|(?:das|dies) könnte (?:sie|dich) (?:auch )?interessieren|lesen sie (?:auch|hier|mehr)"
    r"|(?:zum )?weiterlesen|mehr zum thema|mehr zu diesem thema|passend(?: dazu| zum thema)"
    r"|(?:à )?lire aussi|à lire également|sur le même sujet"
    r"|(?:notas|noticias|artículos) relacionad[oa]s|lee (?:también|más)|leer más|(?:también )?(?:te|le) puede interesar"
    r"|leia (?:também|mais)|leggi anche|(?:ti )?potrebbe (?:anche )?interessar(?:ti|e)"
    r"|читайте (?:также|еще|ещё)|czytaj (?:także|też|również)"
)
# Titles of boxes of other stories: only alone ("Most popular: pizza (34%)" is a sentence's
# start, and AP's game stories end under "UP NEXT")
_BOX_TITLES = (
    r"recommended(?: for you| stories| articles)?|more stories|more news|most (?:read|popular)|don['’]?t miss"
    r"|weitere (?:artikel|themen|nachrichten|beiträge)|ähnliche (?:artikel|beiträge|themen)"
    r"|verwandte (?:artikel|beiträge|themen)|empfohlene (?:artikel|beiträge)|meistgelesen(?:e)?(?: artikel)?"
    r"|auch lesenswert|nächster artikel|vorheriger artikel|vorschau auf den nächsten artikel"
    r"|articles? similaires|dans la même rubrique|vous aimerez (?:aussi|également)|les plus lus"
    r"|contenido relacionado|más noticias|lo más leído|notícias relacionadas|mais lidas|articoli correlati|più letti"
    r"|по теме|другие новости|похожие (?:статьи|новости)|powiązane artykuły"
)
# The label alone, with its box's marks around it ("Auch interessant:", "» Lesen Sie auch")
_ALONE = re.compile(rf"[\W_]*(?:{_POINTERS}|{_BOX_TITLES})[\W_]*", re.I)
# A pointer and a separator before a headline ("À lire aussi » Ballonnements ...?")
_BEFORE_TEASER = re.compile(rf"[\W_]*(?:{_POINTERS})\s*[:»›|>]", re.I)
_SENTENCE_END = re.compile(r"[.!][\"'”’»)\]]*$")  # "Related: the minister said ... 60 days." is text
_TABLE_CELLS = " | "  # extract/article joins a table row's cells so: "Related | 12 | 34" is a row
_MAX_LABEL_CHARS = 60
_MAX_TEASER_CHARS = 160  # a headline and a line of its teaser


def without_related_labels(blocks: Blocks) -> Blocks:
    """``blocks`` without related-story labels: a block that is a label alone, or a
    pointer ("Read more", "Lesen Sie auch"), a separator and a headline of at most
    ``_MAX_TEASER_CHARS`` that ends as no sentence does; never the first block (a title)
    and never a table's row."""
    return blocks[:1] + tuple(block for block in blocks[1:] if not _related_label(block[1]))


def _related_label(text: str) -> bool:
    text = text.strip()
    if len(text) <= _MAX_LABEL_CHARS and _ALONE.fullmatch(text):
        return True
    return (
        len(text) <= _MAX_TEASER_CHARS
        and text.count(_TABLE_CELLS) < 2
        and _BEFORE_TEASER.match(text) is not None
        and not _SENTENCE_END.search(text)
    )
