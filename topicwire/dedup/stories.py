"""The dedup decision and the story's representative (pure).

Two layers decide where a new article goes (issue 5):

1. Exact keys (fingerprint.py): the source's own entry id, the canonical URL,
   the hash of the normalized text. A GUID that changed while the URL or the
   text did not is the same article; a verbatim copy from *another* outlet is
   that outlet's article in the same story.
2. Near duplicates (near.py): LSH candidates confirmed by Jaccard similarity of
   word 5-shingles, within the publication window. A copy from another outlet
   (own header, trimmed paragraph, dateline, new title) joins the story; a close
   copy from the same outlet is that article edited under a new id and URL.

Different articles about one spokesman's briefing share names and stock phrases
but few five-word runs, so they stay apart (seeds 000, 001, 003, 004).
"""

from __future__ import annotations

from collections.abc import Sequence

from topicwire.types import Article, DedupAction, DedupDecision, ExactHit, Fingerprint, NearHit, StoryMember

# A same-outlet text this close to a stored one is that article edited, not a new one.
EDIT_SIMILARITY = 0.8
# Texts from the page extractor are never replaced by a feed's summary or a teaser.
_WEAK_METHODS = ("feed", "teaser")
# Members whose text is at least this share of the fullest one count as "full" when
# choosing the representative; among them the earliest published wins (the original).
_FULL_ENOUGH = 0.9


def decide(
    article: Article,
    fp: Fingerprint,
    exact: ExactHit | None,
    near: Sequence[NearHit],
    threshold: float,
) -> DedupDecision:
    """Where ``article`` goes, given the store's exact hit and the confirmed near hits."""
    if exact is not None:
        return _on_exact(article, fp, exact)
    best = max((h for h in near if h.similarity >= threshold), key=lambda h: (h.similarity, h.uid), default=None)
    if best is None:
        return DedupDecision(DedupAction.NEW)
    if best.source == article.source and best.similarity >= EDIT_SIMILARITY:
        return DedupDecision(DedupAction.UPDATE, best.uid, best.story_id, "near", best.similarity)
    return DedupDecision(DedupAction.JOIN, best.uid, best.story_id, "near", best.similarity)


def _on_exact(article: Article, fp: Fingerprint, hit: ExactHit) -> DedupDecision:
    if hit.reason == "text":
        if hit.source == article.source:  # new GUID and URL, same text: the same article
            return DedupDecision(DedupAction.DUPLICATE, hit.uid, hit.story_id, "text", 1.0)
        return DedupDecision(DedupAction.JOIN, hit.uid, hit.story_id, "text", 1.0)  # a verbatim wire copy
    if hit.source == article.source and _edited(article, fp, hit):
        return DedupDecision(DedupAction.UPDATE, hit.uid, hit.story_id, hit.reason)
    return DedupDecision(DedupAction.DUPLICATE, hit.uid, hit.story_id, hit.reason)


def _edited(article: Article, fp: Fingerprint, hit: ExactHit) -> bool:
    """Same id or URL with other text: an edit, unless the new text is only a weaker stand-in
    (a feed summary because the page failed this time)."""
    if not fp.text_hash or fp.text_hash == hit.text_hash:
        return False
    if article.method in _WEAK_METHODS and hit.method not in _WEAK_METHODS:
        return False
    return len(article.text) >= hit.text_len // 2


def representative(members: Sequence[StoryMember]) -> StoryMember:
    """The fullest text; among texts nearly as full, the earliest published (the original)."""
    fullest = max(m.text_len for m in members)
    full = [m for m in members if m.text_len >= fullest * _FULL_ENOUGH]
    return min(full, key=lambda m: (m.published, m.first_seen, m.uid))
