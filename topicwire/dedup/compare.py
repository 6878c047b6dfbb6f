"""Why two stored articles would or would not be one story (pure; ``dedup-check``, ``story``).

The verdict comes from the same rule the pipeline uses (stories.decide), fed
with what the store and the near-duplicate index would have given it had the
second article arrived after the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from topicwire.dedup.fingerprint import fingerprint, text_hash
from topicwire.dedup.near import MIN_SHINGLES, shingles, similarity
from topicwire.dedup.stories import decide
from topicwire.types import Article, DedupAction, DedupDecision, ExactHit, NearHit, StoredArticle


@dataclass(frozen=True)
class Comparison:
    same_url: bool
    same_text: bool
    similarity: float
    shingles: tuple[int, int]  # how many word 5-shingles each text has
    apart: timedelta  # between the publication times
    within_window: bool
    decision: DedupDecision  # what would happen to ``b`` arriving after ``a``

    @property
    def merges(self) -> bool:
        return self.decision.action != DedupAction.NEW


def as_article(s: StoredArticle) -> Article:
    return Article(
        source=s.source,
        guid=s.uid,
        url=s.url,
        title=s.title,
        text=s.text,
        html=s.html,
        summary=s.summary,
        published=s.published,
        updated=s.updated,
        author=s.author,
        language=s.language,
        method=s.method,
    )


def compare(a: StoredArticle, b: StoredArticle, threshold: float, window: timedelta) -> Comparison:
    ga, gb = shingles(a.text), shingles(b.text)
    sim = similarity(ga, gb)
    apart = abs(b.published - a.published)
    new = as_article(b)
    fp = fingerprint(new)
    same_text = bool(fp.text_hash) and fp.text_hash == text_hash(a.text)
    exact = None
    if a.url == b.url or same_text:
        reason: Literal["url", "text"] = "url" if a.url == b.url else "text"
        exact = ExactHit(a.uid, reason, a.source, a.story_id, text_hash(a.text), len(a.text), a.method)
    near = (NearHit(a.uid, a.story_id, a.source, sim),) if apart <= window else ()
    return Comparison(
        same_url=a.url == b.url,
        same_text=same_text,
        similarity=sim,
        shingles=(len(ga), len(gb)),
        apart=apart,
        within_window=apart <= window,
        decision=decide(new, fp, exact, near, threshold),
    )


def explain(c: Comparison, threshold: float) -> str:
    """One line: the verdict and the rule that gave it."""
    d = c.decision
    if d.action == DedupAction.NEW:
        if min(c.shingles) < MIN_SHINGLES:
            return (
                f"no: a text is too short to compare ({min(c.shingles)} shingles < {MIN_SHINGLES}), no exact key shared"
            )
        if not c.within_window:
            return "no: published too far apart for the dedup window, and no exact key shared"
        return f"no: similarity {c.similarity:.2f} < {threshold:.2f}, and no exact key shared"
    why = {
        "url": "the same canonical URL",
        "text": "the same normalized text",
        "guid": "the same entry id",
        "near": f"similarity {d.similarity:.2f} >= {threshold:.2f} within the window",
    }[d.reason]
    effect = {
        DedupAction.DUPLICATE: "the second is the same article (a sighting)",
        DedupAction.UPDATE: "the second is the first one edited (it replaces its text)",
        DedupAction.JOIN: "the second joins the first one's story (another outlet)",
    }[d.action]
    return f"yes: {why}; {effect}"
