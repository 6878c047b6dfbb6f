"""The story desk: places each new article in a story, using the store's exact keys
and its near-duplicate index (the LSH band hashes, store/bands.py), then the pure
rule (stories.py).

The desk only reads the store (through the methods of ``DedupReader``), inside the
poll's unit, so it sees what this unit wrote and what other workers committed;
placement.py writes what the desk decided, the article's bands with it. Nothing is
kept in memory: a copy ingested by one worker joins the story another worker started
(issue 16 point 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from topicwire.dedup.fingerprint import fingerprint
from topicwire.dedup.lsh import band_hashes
from topicwire.dedup.near import comparable, shingles, signature, similarity
from topicwire.dedup.stories import decide
from topicwire.types import Article, DedupDecision, ExactHit, Fingerprint, NearHit


class DedupReader(Protocol):
    def find_article(self, fp: Fingerprint) -> ExactHit | None: ...

    def near_candidates(
        self, bands: tuple[int, ...], published: datetime, window: timedelta, now: datetime
    ) -> tuple[tuple[str, str, str, str], ...]:
        """(uid, story_id, source, text) of each article sharing a band with ``bands``,
        published within ``window`` of ``published`` and seen within it before ``now``."""
        ...


@dataclass(frozen=True)
class KeyedArticle:
    """An article with its dedup keys, computed before the store's lock is taken.

    Its shingles are not kept: they are needed only to confirm near candidates (few
    articles have any), and a poll's keys cross from a worker process in one pickle
    (prepare.py), where an article's shingle set weighed about 6 times its text."""

    article: Article
    fp: Fingerprint
    sig: bytes  # b"" when the text is too short to compare
    bands: tuple[int, ...]  # the LSH band hashes of ``sig`` (lsh.py); () without one

    @classmethod
    def of(cls, article: Article) -> KeyedArticle:
        grams = shingles(article.text)
        sig = signature(grams) if comparable(grams) else b""
        return cls(article, fingerprint(article), sig, band_hashes(sig))


class StoryDesk:
    def __init__(self, threshold: float, window: timedelta) -> None:
        self.threshold = threshold
        self.window = window

    def place(self, store: DedupReader, keyed: KeyedArticle, now: datetime) -> DedupDecision:
        exact = store.find_article(keyed.fp)
        near: tuple[NearHit, ...] = ()
        if exact is None and keyed.bands:
            near = self.near_hits(store, keyed, now)
        return decide(keyed.article, keyed.fp, exact, near, self.threshold)

    def near_hits(self, store: DedupReader, keyed: KeyedArticle, now: datetime) -> tuple[NearHit, ...]:
        found = store.near_candidates(keyed.bands, keyed.article.published, self.window, now)
        grams = shingles(keyed.article.text) if found else frozenset()
        return tuple(
            NearHit(uid, story_id, source, similarity(grams, shingles(text))) for uid, story_id, source, text in found
        )
